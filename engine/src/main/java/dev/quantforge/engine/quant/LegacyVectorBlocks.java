package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The plain legacy block quantizers (quantize_row_q4_0_ref … q5_1_ref, q8_0_ref) with a block's values spread over
 * vector lanes. Each lane does the scalar code's float32 operations in the same order (the Vector API
 * rounds every multiply and add on its own and never fuses them), and the cast to a level is done with
 * exact float arithmetic ({@link #truncate}; for Q4_0 and Q4_1 a rounding, a compare and a blend), so the bytes
 * are the scalar path's. Q4_0 and Q4_1 take eight blocks a step, their scales found in lanes. A block where this
 * does not hold or that the scalar path sends through ggml's loop in order (zeros at the extremes, a tie
 * between +a and -a, NaN, infinities, a zero or infinite reciprocal scale, for Q4_1/Q5_1 a block of one
 * sign) is quantized by the codec's scalar block code. Load this
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
    private static final int Q4_0_BYTES = GgmlType.Q4_0.typeSize();
    private static final int Q4_1_BYTES = GgmlType.Q4_1.typeSize();
    private static final int Q5_0_BYTES = GgmlType.Q5_0.typeSize();
    private static final int Q5_1_BYTES = GgmlType.Q5_1.typeSize();
    private static final int Q8_0_BYTES = GgmlType.Q8_0.typeSize();
    private static final int INFINITY_BITS = 0x7F800000;
    private static final float ROUNDING_BIAS = 0x1p23f;
    private static final int ROUNDING_BIAS_BITS = Float.floatToRawIntBits(ROUNDING_BIAS);
    private static final int NAN_BITS = 0x7FC00000;
    /** 1.5 * 2^23: an integer n with |n| < 2^22 added to it lands on {@code SIGNED_BIAS_BITS + n}. */
    private static final float SIGNED_BIAS = 0x1.8p23f;
    private static final int SIGNED_BIAS_BITS = Float.floatToRawIntBits(SIGNED_BIAS);
    /** Blocks a step for the kernels that find scales in lanes: one block a lane. */
    private static final int GROUP = LANES;
    /** Lane i holds {@code 1 << i}. */
    private static final IntVector BIT = IntVector.broadcast(INTS, 1).lanewise(VectorOperators.LSHL, IntVector.zero(INTS).addIndex(1));

    private LegacyVectorBlocks() {
    }

    /**
     * Q4_0: {@code count} blocks from {@code src[x]} into {@code dst[out]}, {@link #GROUP} blocks a step: first
     * every block's extremes, then the group's scales, reciprocals and their halves in lanes (one division
     * and one half conversion for eight blocks instead of eight scalar ones, off the path of each block's
     * levels), then the blocks' levels. A tail of fewer blocks goes one block a step. Each stage is a method
     * that takes arrays and numbers only: C2 inlines them until the loop's compilation reaches its node-count
     * cutoff and calls the rest, which costs a call per group and boxes nothing.
     */
    static void q4_0(float[] src, int x, int count, byte[] dst, int out) {
        int[] positive = new int[GROUP];
        int[] negative = new int[GROUP];
        float[] scales = new float[GROUP];
        float[] reciprocals = new float[GROUP];
        byte[] halves = new byte[2 * GROUP];
        int b = 0;
        for (; b + GROUP <= count; b += GROUP, x += GROUP * QK, out += GROUP * Q4_0_BYTES) {
            groupMaxima(src, x, positive, negative);
            symmetricScales(positive, negative, -0.125f, scales, reciprocals); // max / -8, exactly
            HalfVectorRows.toHalf(scales, 0, GROUP, halves, 0);
            q4_0Group(src, x, reciprocals, halves, dst, out);
        }
        q4_0Tail(src, x, count - b, dst, out);
    }

    /** The levels of a group of Q4_0 blocks whose reciprocal scales and scales' halves are known. */
    private static void q4_0Group(float[] src, int x, float[] reciprocals, byte[] halves, byte[] dst, int out) {
        for (int k = 0; k < GROUP; k++) {
            int at = out + k * Q4_0_BYTES;
            float id = reciprocals[k];
            if (!usable(id)) {
                Q4_0Codec.quantizeBlock(src, x + k * QK, dst, at);
                continue;
            }
            dst[at] = halves[2 * k];
            dst[at + 1] = halves[2 * k + 1];
            nibbles(src, x + k * QK, id, 8.5f, dst, at + 2);
        }
    }

    /**
     * Q4_0 one block a step, for the blocks after the last full group: a method of its own, so that the
     * group loop's compilation stays below C2's node-count cutoff.
     */
    private static void q4_0Tail(float[] src, int x, int count, byte[] dst, int out) {
        for (int b = 0; b < count; b++, x += QK, out += Q4_0_BYTES) {
            float d = signedAbsMax(src, x) * -0.125f; // max / -8, exactly
            float id = 1.0f / d;
            if (Float.isNaN(d) || !usable(id)) {
                Q4_0Codec.quantizeBlock(src, x, dst, out);
                continue;
            }
            LittleEndian.putHalf(dst, out, d);
            nibbles(src, x, id, 8.5f, dst, out + 2);
        }
    }

    /** Q5_0: as Q4_0 with 32 levels, the fifth bits gathered into qh. */
    static void q5_0(float[] src, int x, int count, byte[] dst, int out) {
        for (int b = 0; b < count; b++, x += QK, out += Q5_0_BYTES) {
            float d = signedAbsMax(src, x) * -0.0625f; // max / -16, exactly
            float id = 1.0f / d;
            if (Float.isNaN(d) || id == 0 || Float.isInfinite(id)) {
                Q5_0Codec.quantizeBlock(src, x, dst, out);
                continue;
            }
            LittleEndian.putHalf(dst, out, d);
            LittleEndian.putInt(dst, out + 2, nibblesAndFifthBits(src, x, 0.0f, id, 16.5f, 31, dst, out + 6));
        }
    }

    /** Q4_1: levels 0..15 over each block's range, {@link #GROUP} blocks a step as {@link #q4_0}. */
    static void q4_1(float[] src, int x, int count, byte[] dst, int out) {
        int[] positive = new int[GROUP];
        int[] negative = new int[GROUP];
        float[] scalesAndMinima = new float[2 * GROUP]; // the scales, then the minima
        float[] reciprocals = new float[GROUP];
        byte[] halves = new byte[4 * GROUP];
        float[] scratch = new float[2];
        int b = 0;
        for (; b + GROUP <= count; b += GROUP, x += GROUP * QK, out += GROUP * Q4_1_BYTES) {
            groupMaxima(src, x, positive, negative);
            rangeScales(positive, negative, 15, scalesAndMinima, reciprocals);
            HalfVectorRows.toHalf(scalesAndMinima, 0, 2 * GROUP, halves, 0);
            q4_1Group(src, x, scalesAndMinima, reciprocals, halves, dst, out, scratch);
        }
        q4_1Tail(src, x, count - b, dst, out, scratch);
    }

    /** The levels of a group of Q4_1 blocks whose minima, reciprocal scales and halves are known. */
    private static void q4_1Group(float[] src, int x, float[] scalesAndMinima, float[] reciprocals, byte[] halves,
                                  byte[] dst, int out, float[] scratch) {
        for (int k = 0; k < GROUP; k++) {
            int at = out + k * Q4_1_BYTES;
            float id = reciprocals[k];
            if (!usable(id)) {
                Q4_1Codec.quantizeBlock(src, x + k * QK, dst, at, scratch);
                continue;
            }
            dst[at] = halves[2 * k];
            dst[at + 1] = halves[2 * k + 1];
            dst[at + 2] = halves[2 * GROUP + 2 * k];
            dst[at + 3] = halves[2 * GROUP + 2 * k + 1];
            nibbles(src, x + k * QK, scalesAndMinima[GROUP + k], id, 0.5f, dst, at + 4);
        }
    }

    /** Q4_1 one block a step, for the blocks after the last full group (as {@link #q4_0Tail}). */
    private static void q4_1Tail(float[] src, int x, int count, byte[] dst, int out, float[] scratch) {
        for (int b = 0; b < count; b++, x += QK, out += Q4_1_BYTES) {
            long extremes = minMax(src, x);
            float min = Float.intBitsToFloat((int) extremes);
            float d = (Float.intBitsToFloat((int) (extremes >>> 32)) - min) / 15;
            float id = 1.0f / d;
            if (extremes == 0 || !usable(id)) {
                Q4_1Codec.quantizeBlock(src, x, dst, out, scratch);
                continue;
            }
            LittleEndian.putHalf(dst, out, d);
            LittleEndian.putHalf(dst, out + 2, min);
            nibbles(src, x, min, id, 0.5f, dst, out + 4);
        }
    }

    /** Q5_1: levels 0..31 over each block's range, the fifth bits gathered into qh. */
    static void q5_1(float[] src, int x, int count, byte[] dst, int out) {
        float[] scratch = new float[2];
        for (int b = 0; b < count; b++, x += QK, out += Q5_1_BYTES) {
            long extremes = minMax(src, x);
            float min = Float.intBitsToFloat((int) extremes);
            float d = (Float.intBitsToFloat((int) (extremes >>> 32)) - min) / 31;
            float id = 1.0f / d;
            if (extremes == 0 || id == 0 || Float.isInfinite(id)) {
                Q5_1Codec.quantizeBlock(src, x, dst, out, scratch);
                continue;
            }
            LittleEndian.putHalf(dst, out, d);
            LittleEndian.putHalf(dst, out + 2, min);
            LittleEndian.putInt(dst, out + 4, nibblesAndFifthBits(src, x, min, id, 0.5f, 31, dst, out + 8));
        }
    }

    /**
     * Q8_0: the largest magnitude maps to 127, each level is {@code roundf(v * id)}: in lanes {@code |v * id|}
     * rounded to the nearest integer by {@link #ROUNDING_BIAS} (to even on a tie), one up where that was a tie
     * ({@code |v * id| - n} is exactly a half), the sign put back. A block with NaN or infinities, or whose
     * reciprocal scale is infinite, goes to the scalar block code, which follows ggml there.
     */
    static void q8_0(float[] src, int x, int count, byte[] dst, int out) {
        for (int b = 0; b < count; b++, x += QK, out += Q8_0_BYTES) {
            int amaxBits = absMaxBits(src, x);
            float d = Float.intBitsToFloat(amaxBits) / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (amaxBits >= INFINITY_BITS || Float.isInfinite(id)) {
                Q8_0Codec.quantizeBlock(src, x, dst, out);
                continue;
            }
            LittleEndian.putHalf(dst, out, d);
            roundedBytes(src, x, id, dst, out + 2);
        }
    }

    /**
     * The bits of the block's largest magnitude, compared as ints; at least {@link #INFINITY_BITS} with Inf or NaN.
     * The larger of {@link #maxima} is the same number, but its second reduction made Q8_0's kernel 15 % slower.
     */
    private static int absMaxBits(float[] src, int x) {
        IntVector a = FloatVector.fromArray(FLOATS, src, x).reinterpretAsInts().and(Integer.MAX_VALUE)
                .max(FloatVector.fromArray(FLOATS, src, x + LANES).reinterpretAsInts().and(Integer.MAX_VALUE));
        IntVector b = FloatVector.fromArray(FLOATS, src, x + 2 * LANES).reinterpretAsInts().and(Integer.MAX_VALUE)
                .max(FloatVector.fromArray(FLOATS, src, x + 3 * LANES).reinterpretAsInts().and(Integer.MAX_VALUE));
        return a.max(b).reduceLanes(VectorOperators.MAX);
    }

    /** {@code roundf(src[x + j] * id)} for the block's 32 values, as bytes at {@code dst[at]}. */
    private static void roundedBytes(float[] src, int x, float id, byte[] dst, int at) {
        for (int j = 0; j < QK; j += LANES) {
            FloatVector scaled = FloatVector.fromArray(FLOATS, src, x + j).mul(id);
            FloatVector magnitude = scaled.abs();
            FloatVector nearest = magnitude.add(ROUNDING_BIAS).sub(ROUNDING_BIAS);
            FloatVector rounded = nearest.blend(nearest.add(1.0f), magnitude.sub(nearest).compare(VectorOperators.EQ, 0.5f));
            rounded.reinterpretAsInts().or(scaled.reinterpretAsInts().and(Integer.MIN_VALUE)).reinterpretAsFloats()
                    .add(SIGNED_BIAS).reinterpretAsInts().sub(SIGNED_BIAS_BITS)
                    .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, at + j);
        }
    }

    /** A reciprocal scale the lanes can use: finite and not zero (NaN marks a block the lanes declined). */
    private static boolean usable(float id) {
        return id != 0 && Math.abs(id) < Float.POSITIVE_INFINITY;
    }

    /**
     * For Q4_0 and Q5_0, {@link #GROUP} blocks in lanes from their {@link #maxima}: {@code scales[k]} the
     * signed value of largest magnitude times {@code factor} (-1/8 or -1/16, exact), {@code reciprocals[k]}
     * its reciprocal, as the scalar code computes them; NaN for a block that needs ggml's loop in order (see
     * {@link #signedAbsMax}), which the caller then gives to the scalar code.
     */
    private static void symmetricScales(int[] positive, int[] negative, float factor, float[] scales, float[] reciprocals) {
        IntVector p = IntVector.fromArray(INTS, positive, 0);
        IntVector n = IntVector.fromArray(INTS, negative, 0);
        IntVector magnitude = p.max(n);
        VectorMask<Integer> declined = p.compare(VectorOperators.EQ, n)
                .or(magnitude.compare(VectorOperators.EQ, 0))
                .or(magnitude.compare(VectorOperators.GE, INFINITY_BITS));
        FloatVector d = magnitude.blend(magnitude.or(Integer.MIN_VALUE), n.compare(VectorOperators.GT, p))
                .blend(NAN_BITS, declined).reinterpretAsFloats().mul(factor);
        d.intoArray(scales, 0);
        FloatVector.broadcast(FLOATS, 1.0f).div(d).intoArray(reciprocals, 0);
    }

    /**
     * For Q4_1 and Q5_1, {@link #GROUP} blocks in lanes from their {@link #maxima}: the minimum, the scale
     * {@code (max - min) / steps} and its reciprocal, as the scalar code computes them; NaN for a block that
     * {@link #minMax} declines. The scales go to {@code scalesAndMinima[0..GROUP)}, the minima after them.
     */
    private static void rangeScales(int[] positive, int[] negative, int steps, float[] scalesAndMinima, float[] reciprocals) {
        IntVector p = IntVector.fromArray(INTS, positive, 0);
        IntVector n = IntVector.fromArray(INTS, negative, 0);
        VectorMask<Integer> declined = p.compare(VectorOperators.LE, 0).or(n.compare(VectorOperators.LE, 0))
                .or(p.compare(VectorOperators.GE, INFINITY_BITS)).or(n.compare(VectorOperators.GE, INFINITY_BITS));
        FloatVector min = n.or(Integer.MIN_VALUE).blend(NAN_BITS, declined).reinterpretAsFloats();
        FloatVector d = p.reinterpretAsFloats().sub(min).div(steps);
        d.intoArray(scalesAndMinima, 0);
        min.intoArray(scalesAndMinima, GROUP);
        FloatVector.broadcast(FLOATS, 1.0f).div(d).intoArray(reciprocals, 0);
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

    /** {@link #maxima} of the {@link #GROUP} blocks from {@code src[x]} into {@code positive} and {@code negative}. */
    private static void groupMaxima(float[] src, int x, int[] positive, int[] negative) {
        for (int k = 0; k < GROUP; k++) {
            maxima(src, x + k * QK, positive, negative, k);
        }
    }

    /** {@link #maxima} of the block at {@code src[x]} into {@code positive[k]} and {@code negative[k]}. */
    private static void maxima(float[] src, int x, int[] positive, int[] negative, int k) {
        IntVector p = FloatVector.fromArray(FLOATS, src, x).reinterpretAsInts();
        IntVector n = p.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
        for (int j = LANES; j < QK; j += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, x + j).reinterpretAsInts();
            p = p.max(bits);
            n = n.max(bits.lanewise(VectorOperators.XOR, Integer.MIN_VALUE));
        }
        positive[k] = p.reduceLanes(VectorOperators.MAX);
        negative[k] = n.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Q4_0's levels {@code min(15, (int) (v * id + bias))}, value {@code x + j} in the low nibble and
     * {@code x + 16 + j} in the high one of byte {@code dst[at + j]}. For {@code 0 <= t <= 15} the cast is the
     * floor: adding 2^23 rounds {@code t} to the nearest integer {@code r}, exactly, and where {@code r > t} it
     * rounded up by one. The two rounded levels are put together as {@code 16 * high + low} in floats (exact
     * below 2^24), 16 and 1 taken back where each rounded up (a compare and a blend each, cheaper than
     * {@link #truncate}'s arithmetic: Q4_0 went from 1.8x to 2.4x ggml, Q4_1 from 1.5x to 2.0x), and the sum
     * turned into an int once. Written out here rather than called: in the eight-block loop, once F16 had run,
     * C2 reached its node-count cutoff ({@code NodeCountInliningCutoff} under {@code -XX:+PrintInlining}) before
     * a second call of a floor method, and a vector returned from a call that is not inlined is boxed (Q4_0 at
     * 1.0x ggml). No method here takes or returns a vector but {@link #truncate}: Java 17 compiles a method it
     * has seen called often on its own, and where that copy is too big to inline back its callers box every
     * vector that crosses the call; a method that takes only arrays and numbers costs a call where it is not
     * inlined, nothing more.
     */
    private static void nibbles(float[] src, int x, float id, float bias, byte[] dst, int at) {
        for (int j = 0; j < HALF; j += LANES) {
            FloatVector low = FloatVector.fromArray(FLOATS, src, x + j).mul(id).add(bias).min(15.0f);
            FloatVector high = FloatVector.fromArray(FLOATS, src, x + HALF + j).mul(id).add(bias).min(15.0f);
            FloatVector lowRounded = low.add(ROUNDING_BIAS).sub(ROUNDING_BIAS);
            FloatVector highRounded = high.add(ROUNDING_BIAS).sub(ROUNDING_BIAS);
            FloatVector levels = highRounded.mul(16.0f).add(lowRounded);
            levels = levels.blend(levels.sub(16.0f), highRounded.compare(VectorOperators.GT, high));
            levels = levels.blend(levels.sub(1.0f), lowRounded.compare(VectorOperators.GT, low));
            levels.add(ROUNDING_BIAS).reinterpretAsInts().sub(ROUNDING_BIAS_BITS)
                    .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, at + j);
        }
    }

    /** Q4_1's levels: {@link #nibbles(float[], int, float, float, byte[], int)} of {@code v - min}. */
    private static void nibbles(float[] src, int x, float min, float id, float bias, byte[] dst, int at) {
        for (int j = 0; j < HALF; j += LANES) {
            FloatVector low = FloatVector.fromArray(FLOATS, src, x + j).sub(min).mul(id).add(bias).min(15.0f);
            FloatVector high = FloatVector.fromArray(FLOATS, src, x + HALF + j).sub(min).mul(id).add(bias).min(15.0f);
            FloatVector lowRounded = low.add(ROUNDING_BIAS).sub(ROUNDING_BIAS);
            FloatVector highRounded = high.add(ROUNDING_BIAS).sub(ROUNDING_BIAS);
            FloatVector levels = highRounded.mul(16.0f).add(lowRounded);
            levels = levels.blend(levels.sub(16.0f), highRounded.compare(VectorOperators.GT, high));
            levels = levels.blend(levels.sub(1.0f), lowRounded.compare(VectorOperators.GT, low));
            levels.add(ROUNDING_BIAS).reinterpretAsInts().sub(ROUNDING_BIAS_BITS)
                    .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, at + j);
        }
    }

    /**
     * Q5_0's and Q5_1's levels {@code min(top, (int) ((v - min) * id + bias))}, the low four bits of value
     * {@code x + j} in the low nibble and of {@code x + 16 + j} in the high one of byte {@code dst[at + j]}
     * ({@code min} is 0 for Q5_0, where {@code v - 0} is {@code v} exactly, -0 included), returning qh: bit {@code j} holds value {@code x + j}'s fifth bit (16), bit
     * {@code j + 16} value {@code x + 16 + j}'s. A lane holds its two bits at 4 and 20 and a multiply by
     * {@code 1 << lane} moves them to their place (4 too high), so that one OR over the lanes gathers them
     * (Java 17 compiles neither a shift by a vector of counts nor a mask's bits to plain instructions).
     */
    private static int nibblesAndFifthBits(float[] src, int x, float min, float id, float bias, int top, byte[] dst, int at) {
        int qh = 0;
        for (int j = 0; j < HALF; j += LANES) {
            IntVector low = truncate(FloatVector.fromArray(FLOATS, src, x + j).sub(min).mul(id).add(bias).min(top));
            IntVector high = truncate(FloatVector.fromArray(FLOATS, src, x + HALF + j).sub(min).mul(id).add(bias).min(top));
            low.and(0x0F).or(high.mul(16))
                    .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(dst, at + j);
            qh |= low.and(0x10).or(high.and(0x10).mul(1 << 16)).mul(BIT).reduceLanes(VectorOperators.OR) >>> 4 << j;
        }
        return qh;
    }

    /**
     * {@code (int) t} for lanes {@code 0 <= t <= top + 1} that are not NaN: with a finite non-zero reciprocal
     * scale a block's levels stay within a rounding error of {@code [0.5, top + 1.5]}, and the callers clamp
     * to {@code top} first, which changes nothing (the cast is monotonic). Adding 2^23 rounds to the nearest
     * integer {@code r} and puts it in the low mantissa bits; where that rounded up, {@code t - r} is
     * negative (at least 2^-25 from zero), and scaled by 2^126 and clamped to -1 it takes the one back, all
     * in exact float arithmetic. Java 17 compiles neither the Vector API's float-to-int conversion nor its
     * masked arithmetic to plain instructions, and its lane-wise shifts not always (measured: after the F16
     * kernel had run, a shift here came out as a phi C2 could not unbox, and Q4_0 ran at a third of its
     * speed), so this uses none of them. Called only from methods that take no vectors, with few enough
     * operations that C2 always inlines it.
     */
    private static IntVector truncate(FloatVector clamped) {
        FloatVector shifted = clamped.add(ROUNDING_BIAS);
        FloatVector back = clamped.sub(shifted.sub(ROUNDING_BIAS)).min(0.0f).mul(0x1p126f).max(-1.0f);
        return shifted.add(back).reinterpretAsInts().sub(ROUNDING_BIAS_BITS);
    }
}
