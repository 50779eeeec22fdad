package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.LittleEndian;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The plain legacy block quantizers (quantize_row_q4_0_ref … q5_1_ref) with a block's values spread over
 * vector lanes. Each lane does the scalar code's float32 operations in the same order (the Vector API
 * rounds every multiply and add on its own and never fuses them), and the cast to a level is done with
 * exact float arithmetic ({@link #truncate}), so the bytes are the scalar path's. A block where this
 * does not hold or that the scalar path sends through ggml's loop in order (zeros at the extremes, a tie
 * between +a and -a, NaN, infinities, a zero or infinite reciprocal scale, for Q4_1/Q5_1 a block of one
 * sign) is reported back with {@code false}, and the caller quantizes it with the scalar code. Load this
 * class only when {@link KernelPath#BLOCK_VECTOR} is true (or to test it).
 */
final class LegacyVectorBlocks {
    /** 256 bits, the one shape every vector kernel shares (see {@link VectorLanes}). */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8));
    private static final int LANES = FLOATS.length();
    private static final int QK = 32;
    private static final int HALF = QK / 2;
    private static final int INFINITY_BITS = 0x7F800000;
    private static final float ROUNDING_BIAS = 0x1p23f;
    private static final int ROUNDING_BIAS_BITS = Float.floatToRawIntBits(ROUNDING_BIAS);
    /** Lane i holds {@code 1 << i}. */
    private static final IntVector BIT = IntVector.broadcast(INTS, 1).lanewise(VectorOperators.LSHL, IntVector.zero(INTS).addIndex(1));

    private LegacyVectorBlocks() {
    }

    /** Q4_0's block at {@code src[x]} into {@code dst[out]}; false where the caller must take the scalar path. */
    static boolean q4_0(float[] src, int x, byte[] dst, int out) {
        float max = signedAbsMax(src, x);
        if (Float.isNaN(max)) {
            return false;
        }
        float d = max * -0.125f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        if (id == 0 || Float.isInfinite(id)) {
            return false;
        }
        LittleEndian.putHalf(dst, out, d);
        for (int j = 0; j < HALF; j += LANES) {
            IntVector low = levels(src, x + j, id, 8.5f, 15);
            IntVector high = levels(src, x + HALF + j, id, 8.5f, 15);
            storeBytes(low.or(high.lanewise(VectorOperators.LSHL, 4)), dst, out + 2 + j);
        }
        return true;
    }

    /** Q5_0's block: as Q4_0 with 32 levels, the fifth bits gathered into qh. */
    static boolean q5_0(float[] src, int x, byte[] dst, int out) {
        float max = signedAbsMax(src, x);
        if (Float.isNaN(max)) {
            return false;
        }
        float d = max * -0.0625f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        if (id == 0 || Float.isInfinite(id)) {
            return false;
        }
        LittleEndian.putHalf(dst, out, d);
        int qh = 0;
        for (int j = 0; j < HALF; j += LANES) {
            IntVector low = levels(src, x + j, id, 16.5f, 31);
            IntVector high = levels(src, x + HALF + j, id, 16.5f, 31);
            storeBytes(low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 4)), dst, out + 6 + j);
            qh |= fifthBits(low, high, j);
        }
        LittleEndian.putInt(dst, out + 2, qh);
        return true;
    }

    /** Q4_1's block: levels 0..15 over the block's range. */
    static boolean q4_1(float[] src, int x, byte[] dst, int out) {
        long extremes = minMax(src, x);
        if (extremes == 0) {
            return false;
        }
        float min = Float.intBitsToFloat((int) extremes);
        float max = Float.intBitsToFloat((int) (extremes >>> 32));
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        if (id == 0 || Float.isInfinite(id)) {
            return false;
        }
        LittleEndian.putHalf(dst, out, d);
        LittleEndian.putHalf(dst, out + 2, min);
        for (int j = 0; j < HALF; j += LANES) {
            IntVector low = rangeLevels(src, x + j, min, id, 15);
            IntVector high = rangeLevels(src, x + HALF + j, min, id, 15);
            storeBytes(low.or(high.lanewise(VectorOperators.LSHL, 4)), dst, out + 4 + j);
        }
        return true;
    }

    /** Q5_1's block: levels 0..31 over the block's range, the fifth bits gathered into qh. */
    static boolean q5_1(float[] src, int x, byte[] dst, int out) {
        long extremes = minMax(src, x);
        if (extremes == 0) {
            return false;
        }
        float min = Float.intBitsToFloat((int) extremes);
        float max = Float.intBitsToFloat((int) (extremes >>> 32));
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        if (id == 0 || Float.isInfinite(id)) {
            return false;
        }
        LittleEndian.putHalf(dst, out, d);
        LittleEndian.putHalf(dst, out + 2, min);
        int qh = 0;
        for (int j = 0; j < HALF; j += LANES) {
            IntVector low = rangeLevels(src, x + j, min, id, 31);
            IntVector high = rangeLevels(src, x + HALF + j, min, id, 31);
            storeBytes(low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 4)), dst, out + 8 + j);
            qh |= fifthBits(low, high, j);
        }
        LittleEndian.putInt(dst, out + 4, qh);
        return true;
    }

    /**
     * {@link BlockExtremes#signedAbsMax} without its in-order fallback: NaN where the block needs ggml's
     * loop (a zero block, a tie between +a and -a, NaN or infinity).
     */
    private static float signedAbsMax(float[] src, int x) {
        long maxima = maxima(src, x);
        int p = (int) (maxima >> 32);
        int n = (int) maxima;
        int magnitude = Math.max(p, n);
        if (p == n || magnitude == 0 || magnitude >= INFINITY_BITS) {
            return Float.NaN;
        }
        return Float.intBitsToFloat(p > n ? magnitude : magnitude | Integer.MIN_VALUE);
    }

    /**
     * {@link BlockExtremes#minMax}'s answer as {@code max bits << 32 | min bits}, or 0 where this does not
     * find it: a block without both a positive and a negative value (then ggml's loop may need the order,
     * and blocks of one sign are rare enough to leave to it), or with NaN or infinities.
     */
    private static long minMax(float[] src, int x) {
        long maxima = maxima(src, x);
        int p = (int) (maxima >> 32);
        int n = (int) maxima;
        if (p <= 0 || n <= 0 || p >= INFINITY_BITS || n >= INFINITY_BITS) {
            return 0;
        }
        return (long) p << 32 | Integer.toUnsignedLong(n | Integer.MIN_VALUE);
    }

    /**
     * {@code p << 32 | n}: p the largest of the block's float bits read as ints, which is the largest
     * positive value's bits where there is one (bits order like magnitudes; negative floats read as negative
     * ints); n the same of the bits with the sign flipped, the magnitude of the most negative value where
     * there is one. Int max is one instruction where Java's float max is several.
     */
    private static long maxima(float[] src, int x) {
        IntVector positive = FloatVector.fromArray(FLOATS, src, x).reinterpretAsInts();
        IntVector negative = positive.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
        for (int j = LANES; j < QK; j += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, x + j).reinterpretAsInts();
            positive = positive.max(bits);
            negative = negative.max(bits.lanewise(VectorOperators.XOR, Integer.MIN_VALUE));
        }
        int p = positive.reduceLanes(VectorOperators.MAX);
        int n = negative.reduceLanes(VectorOperators.MAX);
        return (long) p << 32 | Integer.toUnsignedLong(n);
    }

    /** {@code min(top, (int) (x * id + bias))} per lane. */
    private static IntVector levels(float[] src, int x, float id, float bias, int top) {
        return truncate(FloatVector.fromArray(FLOATS, src, x).mul(id).add(bias), top);
    }

    /** {@code min(top, (int) ((x - min) * id + 0.5f))} per lane. */
    private static IntVector rangeLevels(float[] src, int x, float min, float id, int top) {
        return truncate(FloatVector.fromArray(FLOATS, src, x).sub(min).mul(id).add(0.5f), top);
    }

    /**
     * {@code min(top, (int) t)} for lanes {@code 0 <= t} that are not NaN: with a finite non-zero
     * reciprocal scale a block's levels stay within a rounding error of {@code [0.5, top + 1.5]}. Clamping
     * first changes nothing (the cast is monotonic); then adding 2^23 rounds to the nearest integer and puts
     * it in the low mantissa bits, one too many where it rounded up, which the sign of
     * {@code t - rounded} tells (never -0: x - x is +0). Java 17 compiles neither the Vector API's
     * float-to-int conversion nor its masked arithmetic to plain instructions, so this uses neither
     * (and measured, clamping as floats beat clamping the ints afterwards).
     */
    private static IntVector truncate(FloatVector t, int top) {
        FloatVector clamped = t.min(top);
        FloatVector shifted = clamped.add(ROUNDING_BIAS);
        IntVector roundedUp = clamped.sub(shifted.sub(ROUNDING_BIAS)).reinterpretAsInts().lanewise(VectorOperators.LSHR, 31);
        return shifted.reinterpretAsInts().sub(ROUNDING_BIAS_BITS).sub(roundedUp);
    }

    /**
     * qh's bits for values {@code first + lane} (bit {@code first + lane}, from {@code low}) and
     * {@code first + 16 + lane} (from {@code high}): each level's fifth bit (16). A lane holds its two bits
     * at 0 and 16 and a multiply moves them to their place, so that one OR over the lanes gathers them
     * (Java 17 compiles neither a shift by a vector of counts nor a mask's bits to plain instructions).
     */
    private static int fifthBits(IntVector low, IntVector high, int first) {
        return low.and(0x10).lanewise(VectorOperators.LSHR, 4)
                .or(high.and(0x10).lanewise(VectorOperators.LSHL, 12))
                .mul(BIT)
                .reduceLanes(VectorOperators.OR) << first;
    }

    /** The low byte of every lane, stored at {@code dst[at]}. */
    private static void storeBytes(IntVector packed, byte[] dst, int at) {
        packed.convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, at);
    }
}
