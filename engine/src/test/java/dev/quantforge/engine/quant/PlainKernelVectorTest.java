package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector paths of the plain kernels (F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0, TQ2_0, MXFP4) against their
 * scalar code,
 * byte for byte: every 61st float32 bit pattern for the half conversions, and for the block types Gaussian
 * rows, the adversarial blocks of {@link LegacyReferenceTest} (zeros of both signs, ±a ties, NaN,
 * infinities, subnormals, 1e-45 to 1e38 scales) and whole hostile rows (all equal, huge ranges, random
 * bit patterns). The vector classes are called directly, so this holds whichever path the JVM chose.
 */
class PlainKernelVectorTest {
    private static final int QK = 32;
    private static final int SUPER_BLOCK = 256;

    /** Every 61st float32 bit pattern: all exponents, and in aggregate every residue of the low mantissa bits. */
    @Test
    void halfConversionsAgreeAcrossAllBitPatterns() {
        int chunk = 1 << 20;
        long stride = 61;
        float[] values = new float[chunk];
        byte[] scalar = new byte[2 * chunk];
        byte[] vector = new byte[2 * chunk];
        byte[] scalarBf16 = new byte[2 * chunk];
        byte[] vectorBf16 = new byte[2 * chunk];
        for (long first = 0; first < 1L << 32; first += chunk * stride) {
            for (int i = 0; i < chunk; i++) {
                values[i] = Float.intBitsToFloat((int) (first + i * stride));
            }
            // an odd count and offset, so the scalar tail runs too
            F16Codec.quantizeScalar(values, 1, chunk - 1, scalar, 0);
            HalfVectorRows.toHalf(values, 1, chunk - 1, vector, 0);
            Bf16Codec.quantizeScalar(values, 1, chunk - 1, scalarBf16, 0);
            HalfVectorRows.toBf16(values, 1, chunk - 1, vectorBf16, 0);
            F16Codec.quantizeScalar(values, 0, 1, scalar, 2 * chunk - 2);
            HalfVectorRows.toHalf(values, 0, 1, vector, 2 * chunk - 2);
            Bf16Codec.quantizeScalar(values, 0, 1, scalarBf16, 2 * chunk - 2);
            HalfVectorRows.toBf16(values, 0, 1, vectorBf16, 2 * chunk - 2);
            if (!Arrays.equals(scalar, vector) || !Arrays.equals(scalarBf16, vectorBf16)) {
                fail("half conversions differ in the chunk from bits " + Long.toHexString(first) + ": F16 at "
                        + Arrays.mismatch(scalar, vector) + ", BF16 at " + Arrays.mismatch(scalarBf16, vectorBf16));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void blockVectorsAgreeWithScalarCode(GgmlType type) {
        Random random = new Random(31 + type.ordinal());
        assertSame(type, LegacyReferenceTest.adversarialBlocks(random), QK);
        assertSame(type, gaussianRows(random), 4096);
        assertSame(type, hostileRows(random), 256);
    }

    /**
     * Q8_0 blocks whose largest magnitude is 127 (scale 1, reciprocal 1), so each value is its own level before
     * rounding: ties of both signs, the floats either side of them, and 0.49999997, which {@code v + 0.5} in
     * float would round up.
     */
    @Test
    void q8_0RoundsHalfwayAwayFromZeroAsRoundf() {
        Random random = new Random(83);
        float[] values = new float[64 * QK];
        for (int b = 0; b < 64; b++) {
            for (int j = 0; j < QK; j++) {
                float tie = random.nextInt(254) - 126.5f;
                values[b * QK + j] = switch (random.nextInt(4)) {
                    case 0 -> tie;
                    case 1 -> Math.nextUp(tie);
                    case 2 -> Math.nextDown(tie);
                    default -> random.nextBoolean() ? 0.49999997f : -0.49999997f;
                };
            }
            values[b * QK + random.nextInt(QK)] = random.nextBoolean() ? 127 : -127;
        }
        assertSame(GgmlType.Q8_0, values, QK);
        byte[] levels = new byte[Math.toIntExact(GgmlType.Q8_0.byteSize(values.length, QK))];
        LegacyVectorBlocks.q8_0(values, 0, 64, levels, 0);
        for (int i = 0; i < values.length; i++) {
            assertEquals((byte) Math.round(Math.abs(values[i])) * (values[i] < 0 ? -1 : 1),
                    levels[i / QK * GgmlType.Q8_0.typeSize() + 2 + i % QK], "level of " + values[i]);
        }
    }

    /**
     * The kernels take eight blocks a step and the rest one at a time: counts that leave every remainder, with
     * hostile blocks on both sides of the step's edge.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void blockCountsThatAreNotMultiplesOfTheStep(GgmlType type) {
        Random random = new Random(59 + type.ordinal());
        float[] adversarial = LegacyReferenceTest.adversarialBlocks(random);
        for (int blocks = 1; blocks <= 17; blocks++) {
            int from = random.nextInt(adversarial.length / QK - blocks) * QK;
            assertSame(type, Arrays.copyOfRange(adversarial, from, from + blocks * QK), QK * blocks);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"TQ1_0", "TQ2_0"})
    void ternaryVectorsAgreeWithScalarCode(GgmlType type) {
        Random random = new Random(47 + type.ordinal());
        float[] adversarial = LegacyReferenceTest.adversarialBlocks(random);
        assertSameTernary(type, Arrays.copyOf(adversarial, adversarial.length / SUPER_BLOCK * SUPER_BLOCK));
        assertSameTernary(type, gaussianRows(random));
        assertSameTernary(type, hostileRows(random));
        assertSameTernary(type, halfwayRows(random));
    }

    @Test
    void mxfp4VectorAgreesWithScalarCode() {
        Random random = new Random(53);
        assertSameMxfp4(LegacyReferenceTest.adversarialBlocks(random));
        assertSameMxfp4(gaussianRows(random));
        assertSameMxfp4(hostileRows(random));
        assertSameMxfp4(midpointBlocks(random));
    }

    private static void assertSameMxfp4(float[] values) {
        int blocks = values.length / QK;
        byte[] scalar = new byte[blocks * GgmlType.MXFP4.typeSize()];
        byte[] vector = new byte[scalar.length];
        MXFP4Codec.quantizeScalar(values, 0, blocks, scalar, 0);
        Mxfp4VectorBlocks.mxfp4(values, 0, blocks, vector, 0);
        int at = Arrays.mismatch(scalar, vector);
        if (at >= 0) {
            int block = at / GgmlType.MXFP4.typeSize();
            fail("MXFP4 block " + block + " (byte " + at % GgmlType.MXFP4.typeSize() + ") "
                    + Arrays.toString(Arrays.copyOfRange(values, block * QK, block * QK + QK)));
        }
    }

    /**
     * Blocks whose maximum is a power of two, or just below one (where log2f's rounding picks the exponent),
     * and whose values sit on and next to the midpoints between E2M1 levels (0.5, 1.5, ... 10 scales).
     */
    private static float[] midpointBlocks(Random random) {
        float[] midpoints = {0.5f, 1.5f, 2.5f, 3.5f, 5, 7, 10};
        float[] values = new float[20000 * QK];
        for (int b = 0; b < 20000; b++) {
            int k = random.nextInt(260) - 140;
            float power = (float) Math.scalb(1.0, k);
            float amax = switch (b % 3) {
                case 0 -> power;
                case 1 -> Math.nextDown(power);
                default -> Float.intBitsToFloat(Float.floatToRawIntBits(power) - 1 - random.nextInt(1 << 13));
            };
            float d = (float) Math.scalb(1.0, Math.getExponent(amax) - 3); // the block's scale when log2 rounds down
            for (int j = 0; j < QK; j++) {
                float m = midpoints[random.nextInt(midpoints.length)] * d * (random.nextBoolean() ? 1 : -1);
                values[b * QK + j] = switch (random.nextInt(4)) {
                    case 0 -> m;
                    case 1 -> Math.nextUp(m);
                    case 2 -> Math.nextDown(m);
                    default -> random.nextBoolean() ? 0.0f : -0.0f;
                };
            }
            values[b * QK + random.nextInt(QK)] = random.nextBoolean() ? amax : -amax;
        }
        return values;
    }

    private static void assertSameTernary(GgmlType type, float[] values) {
        int superBlocks = values.length / SUPER_BLOCK;
        byte[] scalar = new byte[superBlocks * type.typeSize()];
        byte[] vector = new byte[scalar.length];
        if (type == GgmlType.TQ1_0) {
            TQ1_0Codec.quantizeScalar(values, 0, superBlocks, scalar, 0);
            TernaryVectorBlocks.tq1_0(values, 0, superBlocks, vector, 0);
        } else {
            TQ2_0Codec.quantizeScalar(values, 0, superBlocks, scalar, 0);
            TernaryVectorBlocks.tq2_0(values, 0, superBlocks, vector, 0);
        }
        int at = Arrays.mismatch(scalar, vector);
        if (at >= 0) {
            int block = at / type.typeSize();
            fail(type + " super-block " + block + " (byte " + at % type.typeSize() + ") "
                    + Arrays.toString(Arrays.copyOfRange(values, block * SUPER_BLOCK, block * SUPER_BLOCK + SUPER_BLOCK)));
        }
    }

    /**
     * Super-blocks whose values sit on and next to the halfway points ±amax/2 where lroundf turns, with
     * power-of-two maxima (the ties are exact) and arbitrary ones, and some with subnormal maxima, whose
     * reciprocal overflows.
     */
    private static float[] halfwayRows(Random random) {
        float[] values = new float[2000 * SUPER_BLOCK];
        for (int sb = 0; sb < 2000; sb++) {
            float amax = switch (sb % 3) {
                case 0 -> (float) Math.scalb(1.0, random.nextInt(200) - 100);
                case 1 -> (float) (random.nextDouble() * Math.pow(10, random.nextInt(60) - 30));
                default -> Float.MIN_VALUE * (1 + random.nextInt(1 << 20));
            };
            for (int j = 0; j < SUPER_BLOCK; j++) {
                float half = (random.nextBoolean() ? 0.5f : -0.5f) * amax;
                values[sb * SUPER_BLOCK + j] = switch (random.nextInt(5)) {
                    case 0 -> half;
                    case 1 -> Math.nextUp(half);
                    case 2 -> Math.nextDown(half);
                    case 3 -> random.nextBoolean() ? 0.0f : -0.0f;
                    default -> (float) (random.nextDouble() * 2 - 1) * amax;
                };
            }
            values[sb * SUPER_BLOCK + random.nextInt(SUPER_BLOCK)] = random.nextBoolean() ? amax : -amax;
        }
        return values;
    }

    private static void assertSame(GgmlType type, float[] values, int rowLength) {
        int blocks = BlockRows.count(type, values.length / rowLength, rowLength);
        byte[] scalar = new byte[Math.toIntExact(type.byteSize(values.length, rowLength))];
        byte[] vector = new byte[scalar.length];
        KernelRace.Blocks[] kernels = switch (type) {
            case Q4_0 -> new KernelRace.Blocks[] {Q4_0Codec::quantizeScalar, LegacyVectorBlocks::q4_0};
            case Q4_1 -> new KernelRace.Blocks[] {Q4_1Codec::quantizeScalar, LegacyVectorBlocks::q4_1};
            case Q5_0 -> new KernelRace.Blocks[] {Q5_0Codec::quantizeScalar, LegacyVectorBlocks::q5_0};
            case Q5_1 -> new KernelRace.Blocks[] {Q5_1Codec::quantizeScalar, LegacyVectorBlocks::q5_1};
            case Q8_0 -> new KernelRace.Blocks[] {Q8_0Codec::quantizeScalar, LegacyVectorBlocks::q8_0};
            default -> throw new IllegalArgumentException(type.toString());
        };
        kernels[0].quantize(values, 0, blocks, scalar, 0);
        kernels[1].quantize(values, 0, blocks, vector, 0);
        int at = Arrays.mismatch(scalar, vector);
        if (at >= 0) {
            int block = at / type.typeSize();
            fail(type + " block " + block + " " + Arrays.toString(Arrays.copyOfRange(values, block * QK, block * QK + QK))
                    + "\n  scalar " + HexFormat.of().formatHex(scalar, block * type.typeSize(), (block + 1) * type.typeSize())
                    + "\n  vector " + HexFormat.of().formatHex(vector, block * type.typeSize(), (block + 1) * type.typeSize()));
        }
        assertArrayEquals(scalar, vector);
    }

    private static float[] gaussianRows(Random random) {
        float[] values = new float[64 * 4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    /** Rows of 256: all equal, one huge value among tiny ones, mixed extreme scales, raw bit patterns. */
    private static float[] hostileRows(Random random) {
        int rowLength = 256;
        float[] values = new float[4000 * rowLength];
        for (int r = 0; r < 4000; r++) {
            int o = r * rowLength;
            switch (r % 5) {
                case 0:
                    Arrays.fill(values, o, o + rowLength, (float) random.nextGaussian());
                    break;
                case 1:
                    for (int j = 0; j < rowLength; j++) {
                        values[o + j] = (float) (random.nextGaussian() * 1e-6);
                    }
                    values[o + random.nextInt(rowLength)] = (float) (random.nextGaussian() * 1e30);
                    break;
                case 2:
                    for (int j = 0; j < rowLength; j++) {
                        values[o + j] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(76) - 38));
                    }
                    break;
                case 3:
                    for (int j = 0; j < rowLength; j++) {
                        values[o + j] = Float.intBitsToFloat(random.nextInt());
                    }
                    break;
                default:
                    for (int j = 0; j < rowLength; j++) {
                        values[o + j] = (float) (random.nextGaussian() * 1e3);
                    }
                    values[o + random.nextInt(rowLength)] = -values[o + random.nextInt(rowLength)];
            }
        }
        return values;
    }
}
