package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a block type's plain blocks on its scalar or its vector kernel (both give the same bytes), choosing by
 * timing the two on the same calls. The vector kernel is two to four times faster once C2 has compiled it, but
 * until then the JVM runs each Vector API call in the interpreter or in C1 code, some fifty times slower than
 * the scalar kernel, and how long that lasts depends on the machine, on the JIT's flags and on what else C2 has
 * queued. So while the race runs, each call quantizes its first {@link #SAMPLE_BLOCKS} blocks on the vector
 * kernel and the rest on the scalar one, timing both; once the vector kernel has been the faster per block in
 * {@link #WINS_TO_SWITCH} calls in a row, every call takes it for good. While the vector kernel is still more than
 * {@link #WARM_FACTOR} times slower per block (interpreted or in C1 code), a call gives it only
 * {@link #COLD_SAMPLE_BLOCKS} blocks and counts as no win: in a Q5_1 file the first sample, 64 blocks in the
 * interpreter, took 70-90 ms of each quantizing thread, 8 blocks 30-45 ms. A win needs no margin: when it had to be
 * faster by a fifth, a compiled vector kernel at 0.8-1.0 of the scalar kernel's time lost every racing call and left
 * the file scalar, a tenth of a second slower. A vector kernel that has not won after {@link #RACING_CALLS} calls
 * (C2 has not compiled it yet, or compiled it badly) is left for {@link #RETRY_VALUES} values, then raced again; a
 * call of fewer than twice the sample's blocks runs scalar without racing.
 *
 * <p>The race runs at any thread count, also when the quantizing threads fill every core and the JIT compiles on
 * their time: with the launcher's compile commands the vector kernels compile soon and cheaply enough that racing
 * at 2 threads on 2 cores made Q4_1, Q5_0, Q5_1 and Q8_0 files 4-11 % faster (docs/benchmark.md).
 * {@code -Dquantforge.kernels.blocks=vector} skips the race (the engine tests and the kernel benchmarks),
 * {@code =scalar} never runs the vector kernels.
 */
final class KernelRace {
    /** Quantizes {@code blocks} consecutive blocks of plain values from {@code src[x]} into {@code dst[out]}. */
    @FunctionalInterface
    interface Blocks {
        void quantize(float[] src, int x, int blocks, byte[] dst, int out);
    }

    static final int SAMPLE_BLOCKS = 64;
    /** One group of the kernels that take eight blocks a step, so that the sample runs their main loop. */
    static final int COLD_SAMPLE_BLOCKS = 8;
    static final int WARM_FACTOR = 4;
    static final int WINS_TO_SWITCH = 3;
    static final int RACING_CALLS = 512;
    static final long RETRY_VALUES = 1L << 30;

    private enum Leader { RACING, VECTOR, SCALAR }

    private final int blockValues;
    private final int blockBytes;
    private final Blocks scalar;
    private final Blocks vector;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger wins = new AtomicInteger();
    private final AtomicLong scalarValues = new AtomicLong();
    /** Whether the vector kernel has come within WARM_FACTOR of the scalar kernel: samples are full size from then. */
    private volatile boolean warm;
    /** How many values run scalar before the next race, after one lost. */
    private volatile long raceAfter;
    private volatile Leader leader;

    /**
     * A race with the JVM's kernel choice ({@link KernelPath}). Pass the vector kernel as a lambda, not a method
     * reference: linking a method reference loads its class, and without jdk.incubator.vector in the JVM a vector
     * class must never be loaded.
     */
    static KernelRace of(GgmlType type, Blocks scalar, Blocks vector) {
        return new KernelRace(type, scalar, vector, KernelPath.BLOCK_VECTOR, KernelPath.BLOCK_RACE);
    }

    KernelRace(GgmlType type, Blocks scalar, Blocks vector, boolean vectorUsable, boolean race) {
        this.blockValues = type.blockSize();
        this.blockBytes = type.typeSize();
        this.scalar = scalar;
        this.vector = vector;
        this.leader = !vectorUsable ? Leader.SCALAR : race ? Leader.RACING : Leader.VECTOR;
    }

    void quantize(float[] src, int x, int blocks, byte[] dst, int out) {
        Leader now = leader;
        if (now == Leader.VECTOR) {
            vector.quantize(src, x, blocks, dst, out);
        } else if (now == Leader.SCALAR || blocks < 2 * SAMPLE_BLOCKS || !timeToRace(blocks)) {
            scalar.quantize(src, x, blocks, dst, out);
        } else {
            race(src, x, warm ? SAMPLE_BLOCKS : COLD_SAMPLE_BLOCKS, blocks, dst, out);
        }
    }

    private boolean timeToRace(int blocks) {
        long after = raceAfter;
        return scalarValues.get() >= after || scalarValues.addAndGet((long) blocks * blockValues) > after;
    }

    /** Whether every call now takes the vector kernel. */
    boolean vectorWon() {
        return leader == Leader.VECTOR;
    }

    /** Whether every call takes the scalar kernel, there being no vector kernel to race. */
    boolean scalarWon() {
        return leader == Leader.SCALAR;
    }

    private void race(float[] src, int x, int sample, int blocks, byte[] dst, int out) {
        int rest = blocks - sample;
        long start = System.nanoTime();
        vector.quantize(src, x, sample, dst, out);
        long sampled = System.nanoTime();
        scalar.quantize(src, x + sample * blockValues, rest, dst, out + sample * blockBytes);
        long end = System.nanoTime();
        if (sample < SAMPLE_BLOCKS) {
            // per block, vector < WARM_FACTOR scalar; a cold call is no win
            if ((sampled - start) * rest < (end - sampled) * sample * WARM_FACTOR) {
                warm = true;
            }
        } else if ((sampled - start) * rest < (end - sampled) * sample) {
            // per block, vector < scalar: (sampled - start) / sample < (end - sampled) / rest
            if (wins.incrementAndGet() >= WINS_TO_SWITCH) {
                leader = Leader.VECTOR;
                return;
            }
        } else {
            wins.set(0);
        }
        if (calls.incrementAndGet() >= RACING_CALLS) {
            calls.set(0);
            raceAfter = scalarValues.get() + RETRY_VALUES;
        }
    }
}
