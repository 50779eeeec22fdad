package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The ternary quantizers (quantize_row_tq1_0_ref, quantize_row_tq2_0_ref) with eight values in vector
 * lanes. A super-block's scale is its largest magnitude, so every {@code x / amax} rounds to -1, 0 or 1:
 * {@code lroundf} (half away from zero) is two comparisons with ±0.5, and the codes and their packing (base
 * 4 for TQ2_0, base 3 for TQ1_0) are small integers, exact in float lanes. A super-block holding NaN or an
 * infinity, or whose scale is zero or has no finite reciprocal, takes the codec's scalar code, which follows
 * ggml's loop in order. As in {@link LegacyVectorBlocks}, the loop over super-blocks is this class's own and
 * no method here takes or returns a vector, so that Java 17 compiles each kernel whole. Load this class
 * only when {@link KernelPath#BLOCK_VECTOR} is true (or to test it).
 */
final class TernaryVectorBlocks {
    /** 256 bits, the one shape every vector kernel shares (see {@link VectorLanes}). */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8));
    private static final int LANES = FLOATS.length();
    private static final int SUPER_BLOCK = 256;
    private static final int TQ1_0_BYTES = GgmlType.TQ1_0.typeSize();
    private static final int TQ2_0_BYTES = GgmlType.TQ2_0.typeSize();
    private static final int MAGNITUDE = 0x7FFFFFFF;
    private static final int INFINITY_BITS = 0x7F800000;
    private static final float ROUNDING_BIAS = 0x1p23f;
    private static final int ROUNDING_BIAS_BITS = Float.floatToRawIntBits(ROUNDING_BIAS);

    private TernaryVectorBlocks() {
    }

    /** TQ2_0: {@code count} super-blocks from {@code src[x]} into {@code dst[out]}. */
    static void tq2_0(float[] src, int x, int count, byte[] dst, int out) {
        for (int sb = 0; sb < count; sb++, x += SUPER_BLOCK, out += TQ2_0_BYTES) {
            int amax = absMaxBits(src, x);
            float id = 1.0f / Float.intBitsToFloat(amax);
            if (amax == 0 || amax >= INFINITY_BITS || Float.isInfinite(id)) {
                TQ2_0Codec.quantizeSuperBlock(src, x, dst, out);
                continue;
            }
            LittleEndian.putShort(dst, out + 64, Fp16.fromFloat(Float.intBitsToFloat(amax)));
            // byte j + m holds values 4j + m + 32n (n = 0..3) of the super-block, two bits each
            for (int j = 0; j < 64; j += LANES) {
                int at = x + (j / 32) * 128 + j % 32;
                baseFourCodes(src, at, id, dst, out + j);
            }
        }
    }

    /** TQ1_0: {@code count} super-blocks from {@code src[x]} into {@code dst[out]}. */
    static void tq1_0(float[] src, int x, int count, byte[] dst, int out) {
        for (int sb = 0; sb < count; sb++, x += SUPER_BLOCK, out += TQ1_0_BYTES) {
            int amax = absMaxBits(src, x);
            float id = 1.0f / Float.intBitsToFloat(amax);
            if (amax == 0 || amax >= INFINITY_BITS || Float.isInfinite(id)) {
                TQ1_0Codec.quantizeSuperBlock(src, x, dst, out);
                continue;
            }
            LittleEndian.putShort(dst, out + 52, Fp16.fromFloat(Float.intBitsToFloat(amax)));
            // bytes 0..31: five trits 32 apart; bytes 32..47: five trits 16 apart from value 160
            for (int m = 0; m < 32; m += LANES) {
                baseThreeCodes(src, x + m, 32, id, dst, out + m);
            }
            for (int m = 0; m < 16; m += LANES) {
                baseThreeCodes(src, x + 160 + m, 16, id, dst, out + 32 + m);
            }
            // bytes 48..51: four trits 4 apart from value 240, too few for the lanes
            for (int j = 0; j < 4; j++) {
                dst[out + 48 + j] = TQ1_0Codec.packTrits(src, x + 240 + j, 4, 4, id);
            }
        }
    }

    /**
     * The largest {@code |v|} of the super-block as float bits (they order like the magnitudes), above
     * {@link #INFINITY_BITS} where it holds NaN. Four reductions of 64 values rather than one vector carried
     * round a loop of 32, which Java 17 may compile as a phi it cannot keep in a register.
     */
    private static int absMaxBits(float[] src, int x) {
        int max = 0;
        for (int i = 0; i < SUPER_BLOCK; i += 8 * LANES) {
            IntVector a = magnitude(src, x + i).max(magnitude(src, x + i + LANES));
            IntVector b = magnitude(src, x + i + 2 * LANES).max(magnitude(src, x + i + 3 * LANES));
            IntVector c = magnitude(src, x + i + 4 * LANES).max(magnitude(src, x + i + 5 * LANES));
            IntVector d = magnitude(src, x + i + 6 * LANES).max(magnitude(src, x + i + 7 * LANES));
            max = Math.max(max, a.max(b).max(c.max(d)).reduceLanes(VectorOperators.MAX));
        }
        return max;
    }

    /** {@code |v|}'s bits for eight values. */
    private static IntVector magnitude(float[] src, int at) {
        return FloatVector.fromArray(FLOATS, src, at).reinterpretAsInts().and(MAGNITUDE);
    }

    /**
     * Eight TQ2_0 bytes: lane {@code m} packs the codes of values {@code at + m + 32n}, n = 0..3, two bits
     * each, the first lowest.
     */
    private static void baseFourCodes(float[] src, int at, float id, byte[] dst, int to) {
        FloatVector q = code(src, at, id)
                .add(code(src, at + 32, id).mul(4.0f))
                .add(code(src, at + 64, id).mul(16.0f))
                .add(code(src, at + 96, id).mul(64.0f));
        q.add(ROUNDING_BIAS).reinterpretAsInts().sub(ROUNDING_BIAS_BITS)
                .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, to);
    }

    /**
     * Eight TQ1_0 bytes: lane {@code m} reads the codes of values {@code at + m + stride n}, n = 0..4, as
     * a base-3 number q (the first most significant) and stores {@code ceil(q * 256 / 243)}, that is
     * {@code floor((q * 256 + 242) / 243)}: below 2^16, so the float quotient is correctly rounded and stays
     * at least 1/243 from the next integer (unless it is one), and the floor is exact.
     */
    private static void baseThreeCodes(float[] src, int at, int stride, float id, byte[] dst, int to) {
        FloatVector q = code(src, at, id).mul(81.0f)
                .add(code(src, at + stride, id).mul(27.0f))
                .add(code(src, at + 2 * stride, id).mul(9.0f))
                .add(code(src, at + 3 * stride, id).mul(3.0f))
                .add(code(src, at + 4 * stride, id));
        FloatVector quotient = q.mul(256.0f).add(242.0f).div(243.0f);
        // floor as LegacyVectorBlocks.truncate does it: round by adding 2^23, take one back where that rounded up
        FloatVector shifted = quotient.add(ROUNDING_BIAS);
        FloatVector back = quotient.sub(shifted.sub(ROUNDING_BIAS)).min(0.0f).mul(0x1p126f).max(-1.0f);
        shifted.add(back).reinterpretAsInts().sub(ROUNDING_BIAS_BITS)
                .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, to);
    }

    /**
     * {@code lroundf(v * id) + 1} for eight values from {@code src[at]}: 2 from +0.5 up, 0 from -0.5 down, else 1.
     * Every {@code |v * id|} is at most a rounding above 1 here.
     */
    private static FloatVector code(float[] src, int at, float id) {
        FloatVector v = FloatVector.fromArray(FLOATS, src, at).mul(id);
        FloatVector one = FloatVector.broadcast(FLOATS, 1.0f);
        return one.add(one.blend(0.0f, v.compare(VectorOperators.LT, 0.5f)))
                .sub(one.blend(0.0f, v.compare(VectorOperators.GT, -0.5f)));
    }
}
