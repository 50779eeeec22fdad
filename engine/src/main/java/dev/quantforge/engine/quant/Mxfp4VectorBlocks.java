package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * MXFP4 (quantize_row_mxfp4_ref) with eight values in vector lanes. The block's scale {@code d} is a power
 * of two and {@code |x| / d} stays below 16, so {@code |x| * (1 / d)} is exact (or, far below the first
 * midpoint, harmlessly rounded), and ggml's nearest level ({@link E2m1#bestIndex}) is the count of the
 * midpoints 0.5, 1.5, 2.5, 3.5, 5, 7, 10 lying strictly below it, the negative half of the table for
 * negative values but code 0 for both zeros. A block holding NaN or an infinity, with a maximum whose
 * exponent byte needs log2f's rounding (the mantissa within 2^-11 of the next power of two) or a scale
 * below the normal floats takes the codec's scalar code. As in {@link LegacyVectorBlocks}, the block loop
 * is this class's own and vectors cross only calls small enough that C2 always inlines them. Load this
 * class only when {@link KernelPath#BLOCK_VECTOR} is true (or to test it).
 */
final class Mxfp4VectorBlocks {
    /** 256 bits, the one shape every vector kernel shares (see {@link VectorLanes}). */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8));
    private static final int LANES = FLOATS.length();
    private static final int QK = 32;
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = GgmlType.MXFP4.typeSize();
    private static final int MAGNITUDE = 0x7FFFFFFF;
    private static final int INFINITY_BITS = 0x7F800000;
    /** Mantissas from here up may round to the next power of two in log2f. */
    private static final int MANTISSA_NEAR_NEXT_POWER = 0x007FF000;
    private static final float ROUNDING_BIAS = 0x1p23f;
    private static final int ROUNDING_BIAS_BITS = Float.floatToRawIntBits(ROUNDING_BIAS);

    private Mxfp4VectorBlocks() {
    }

    /** {@code count} blocks from {@code src[x]} into {@code dst[out]}. */
    static void mxfp4(float[] src, int x, int count, byte[] dst, int out) {
        for (int b = 0; b < count; b++, x += QK, out += BLOCK_BYTES) {
            int amax = absMaxBits(src, x);
            int exponent = amax >>> 23;
            // exponent byte floor(log2(amax)) - 2 + 127 = exponent - 2; the scale 2^(e - 128) then normal
            if (exponent < 4 || amax >= INFINITY_BITS || (amax & MANTISSA_NEAR_NEXT_POWER) == MANTISSA_NEAR_NEXT_POWER) {
                MXFP4Codec.quantizeBlock(src, x, dst, out);
                continue;
            }
            int e = exponent - 2;
            dst[out] = (byte) e;
            float inverse = 1.0f / MXFP4Codec.e8m0ToFloatHalf(e); // a power of two, exact
            for (int j = 0; j < HALF; j += LANES) {
                FloatVector packed = code(src, x + j, inverse).add(code(src, x + HALF + j, inverse).mul(16.0f));
                packed.add(ROUNDING_BIAS).reinterpretAsInts().sub(ROUNDING_BIAS_BITS)
                        .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, out + 1 + j);
            }
        }
    }

    /** The block's largest {@code |v|} as float bits, above {@link #INFINITY_BITS} where it holds NaN. */
    private static int absMaxBits(float[] src, int x) {
        IntVector a = FloatVector.fromArray(FLOATS, src, x).reinterpretAsInts().and(MAGNITUDE);
        IntVector b = FloatVector.fromArray(FLOATS, src, x + LANES).reinterpretAsInts().and(MAGNITUDE);
        IntVector c = FloatVector.fromArray(FLOATS, src, x + 2 * LANES).reinterpretAsInts().and(MAGNITUDE);
        IntVector d = FloatVector.fromArray(FLOATS, src, x + 3 * LANES).reinterpretAsInts().and(MAGNITUDE);
        return a.max(b).max(c.max(d)).reduceLanes(VectorOperators.MAX);
    }

    /** The 4-bit codes of eight values from {@code src[at]}, as floats. */
    private static FloatVector code(float[] src, int at, float inverse) {
        FloatVector x = FloatVector.fromArray(FLOATS, src, at);
        FloatVector y = x.abs().mul(inverse);
        FloatVector one = FloatVector.broadcast(FLOATS, 1.0f);
        FloatVector k = one.blend(0.0f, y.compare(VectorOperators.LE, 0.5f))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 1.5f)))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 2.5f)))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 3.5f)))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 5.0f)))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 7.0f)))
                .add(one.blend(0.0f, y.compare(VectorOperators.LE, 10.0f)));
        // + 8 for a negative value with a non-zero level: min(1, k) is 1 exactly when k > 0
        FloatVector negative = one.blend(0.0f, x.compare(VectorOperators.GE, 0.0f));
        return k.add(negative.min(k).mul(8.0f));
    }
}
