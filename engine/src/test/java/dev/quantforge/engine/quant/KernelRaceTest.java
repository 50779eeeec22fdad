package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelRaceTest {
    private static final GgmlType TYPE = GgmlType.Q4_1;
    private static final int QK = TYPE.blockSize();
    private static final int BLOCK_BYTES = TYPE.typeSize();
    /**
     * What the stand-in scalar kernel takes for a call's blocks after the sample. Long enough that a pause of the
     * test's thread (a GC, a busy CI machine) between the race's clock readings cannot swing a comparison: at 1 ms
     * a 32 us pause turned a warm 8-block sample cold.
     */
    private static final long SCALAR_NANOS = 10_000_000;

    @Test
    void racingCallsGiveTheScalarKernelsBytes() {
        KernelRace race = new KernelRace(TYPE, Q4_1Codec::quantizeScalar, LegacyVectorBlocks::q4_1, true, true);
        Random random = new Random(7);
        // every size around the sample's: all scalar, the smallest raced call, sample plus one odd block, and big
        for (int blocks : new int[]{1, 2 * KernelRace.SAMPLE_BLOCKS - 1, 2 * KernelRace.SAMPLE_BLOCKS,
                2 * KernelRace.SAMPLE_BLOCKS + 1, 1000}) {
            for (int call = 0; call < 20; call++) {
                int offset = random.nextInt(3) * QK;
                float[] values = new float[offset + blocks * QK];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian() * 0.02f;
                }
                byte[] expected = new byte[5 + blocks * BLOCK_BYTES];
                byte[] actual = expected.clone();
                Arrays.fill(actual, (byte) 0x5A);
                Arrays.fill(expected, (byte) 0x5A);
                Q4_1Codec.quantizeScalar(values, offset, blocks, expected, 5);
                race.quantize(values, offset, blocks, actual, 5);
                assertArrayEquals(expected, actual, blocks + " blocks, call " + call);
            }
        }
    }

    @Test
    void movesToTheVectorKernelOnceItWinsThreeCallsInARowAfterTheCallThatFindsItWarm() {
        KernelRace race = new KernelRace(TYPE, (src, x, blocks, dst, out) -> spin(SCALAR_NANOS),
                (src, x, blocks, dst, out) -> { }, true, true);
        for (int call = 0; call < 1 + KernelRace.WINS_TO_SWITCH; call++) {
            assertFalse(race.vectorWon(), "after " + call + " calls");
            race.quantize(new float[0], 0, 1000, new byte[0], 0);
        }
        assertTrue(race.vectorWon());
    }

    @Test
    void aVectorKernelATenthFasterWins() {
        // per block: the scalar kernel SCALAR_NANOS over the call's other 936 blocks, the vector kernel 0.9 of that
        long vectorNanos = SCALAR_NANOS * KernelRace.SAMPLE_BLOCKS * 9 / (10 * (1000 - KernelRace.SAMPLE_BLOCKS));
        KernelRace race = new KernelRace(TYPE, (src, x, blocks, dst, out) -> spin(SCALAR_NANOS),
                (src, x, blocks, dst, out) -> spin(blocks == KernelRace.SAMPLE_BLOCKS ? vectorNanos : 0), true, true);
        for (int call = 0; call < 30 && !race.vectorWon(); call++) {
            race.quantize(new float[0], 0, 1000, new byte[0], 0);
        }
        assertTrue(race.vectorWon(), "a vector kernel faster a block wins, if only by a tenth");
    }

    @Test
    void aColdVectorKernelGetsASmallSampleUntilItIsWithinFourTimesTheScalarKernel() {
        List<Integer> samples = new ArrayList<>();
        int[] coldCalls = {3};
        // the scalar kernel takes SCALAR_NANOS for the call's other blocks (about 10 us a block); the vector kernel
        // fifty times that a block for its first three calls, then nothing
        KernelRace race = new KernelRace(TYPE, (src, x, blocks, dst, out) -> spin(SCALAR_NANOS),
                (src, x, blocks, dst, out) -> {
                    samples.add(blocks);
                    if (coldCalls[0]-- > 0) {
                        spin(SCALAR_NANOS / 20 * blocks);
                    }
                }, true, true);
        for (int call = 0; call < 6; call++) {
            race.quantize(new float[0], 0, 1000, new byte[0], 0);
        }
        int cold = KernelRace.COLD_SAMPLE_BLOCKS;
        int full = KernelRace.SAMPLE_BLOCKS;
        assertEquals(List.of(cold, cold, cold, cold, full, full), samples,
                "cold samples until one is within 4x, then full ones");
        assertFalse(race.vectorWon(), "the warming call and two wins are not yet three wins");
    }

    @Test
    void leavesAVectorKernelThatDoesNotWinForABillionValuesThenRacesAgain() {
        int[] vectorCalls = new int[1];
        KernelRace race = new KernelRace(TYPE, (src, x, blocks, dst, out) -> { },
                (src, x, blocks, dst, out) -> { vectorCalls[0]++; spin(50_000); }, true, true);
        for (int call = 0; call < KernelRace.RACING_CALLS; call++) {
            race.quantize(new float[0], 0, 1000, new byte[0], 0);
        }
        assertFalse(race.vectorWon());
        assertEquals(KernelRace.RACING_CALLS, vectorCalls[0]);
        int blocks = 1 << 20;
        long callsToWait = KernelRace.RETRY_VALUES / ((long) blocks * QK);
        for (long call = 0; call < callsToWait; call++) {
            race.quantize(new float[0], 0, blocks, new byte[0], 0);
        }
        assertEquals(KernelRace.RACING_CALLS, vectorCalls[0], "scalar for the next 2^30 values");
        race.quantize(new float[0], 0, blocks, new byte[0], 0);
        assertEquals(KernelRace.RACING_CALLS + 1, vectorCalls[0], "then racing again");
    }

    @Test
    void withoutARaceTheVectorKernelRunsFromTheStartOrNever() {
        KernelRace.Blocks none = (src, x, blocks, dst, out) -> { };
        assertTrue(new KernelRace(TYPE, none, none, true, false).vectorWon());
        assertTrue(new KernelRace(TYPE, none, none, false, true).scalarWon());
        assertTrue(new KernelRace(TYPE, none, none, false, false).scalarWon());
    }

    private static void spin(long nanos) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos) {
            Thread.onSpinWait();
        }
    }
}
