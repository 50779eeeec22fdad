package dev.quantforge.engine.mlx;

import dev.quantforge.engine.ggml.Fp16;

import java.nio.ByteBuffer;

/**
 * MLX's quantize and dequantize, scalar, as MLX's code computes them (commit 846d176), not as its
 * docstring describes them. Inputs are values already exact in {@code dtype}, widened to float32;
 * every MLX op that rounds to the dtype rounds here too.
 *
 * <p>Packed weights: each row is one little-endian bit stream, element {@code i} at bits
 * {@code [i*bits, (i+1)*bits)}, stored as uint32 words. Affine scales and biases are in {@code dtype};
 * the fp modes store one uint8 scale per group (E8M0 for mxfp4/mxfp8, E4M3 for nvfp4) and no biases.
 */
public final class MlxKernels {
    private static final float EPS = 1e-7f;
    /** The fp4 (E2M1) code table, in code order. */
    private static final float[] FP4 = {+0.0f, +0.5f, +1.0f, +1.5f, +2.0f, +3.0f, +4.0f, +6.0f,
            -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
    private static final double LN2 = Math.log(2.0);

    private MlxKernels() {
    }

    /**
     * Quantizes {@code rows × cols} values and appends the packed words, the scales and (affine only) the
     * biases to the little-endian buffers.
     *
     * @param rounding which affine kernel to follow; ignored by the fp modes
     */
    public static void quantize(float[] w, int rows, int cols, MlxQuantization q, MlxDtype dtype,
                                AffineRounding rounding, ByteBuffer wq, ByteBuffer scales, ByteBuffer biases) {
        if (!q.fits(cols)) {
            throw new IllegalArgumentException("rows of " + cols + " do not split into groups of " + q.groupSize());
        }
        if (w.length < (long) rows * cols) {
            throw new IllegalArgumentException(w.length + " values for " + rows + " x " + cols);
        }
        int group = q.groupSize();
        int[] codes = new int[cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int g = 0; g < cols; g += group) {
                switch (q.mode()) {
                    case AFFINE -> affineGroup(w, base + g, group, q.bits(), dtype, rounding, codes, g, scales, biases);
                    case MXFP4, MXFP8 -> mxGroup(w, base + g, group, q.bits(), dtype, codes, g, scales);
                    case NVFP4 -> nvGroup(w, base + g, group, dtype, codes, g, scales);
                }
            }
            pack(codes, q.bits(), wq);
        }
    }

    private static void affineGroup(float[] w, int start, int group, int bits, MlxDtype dtype, AffineRounding rounding,
                                    int[] codes, int codeStart, ByteBuffer scales, ByteBuffer biases) {
        float nBins = (1 << bits) - 1;
        boolean metal = rounding == AffineRounding.METAL;
        float wMin = Float.POSITIVE_INFINITY;
        float wMax = metal ? 0f : Float.NEGATIVE_INFINITY;
        for (int j = 0; j < group; j++) {
            float v = w[start + j];
            if (metal) {
                // Metal's min/max return the other operand when one is NaN
                if (!Float.isNaN(v)) {
                    wMax = Math.max(wMax, v);
                    wMin = Math.min(wMin, v);
                }
            } else {
                // std::max(a, b) is (a < b) ? b : a, std::min(a, b) is (b < a) ? b : a: a NaN b is never taken
                wMax = wMax < v ? v : wMax;
                wMin = v < wMin ? v : wMin;
            }
        }
        boolean mask = Math.abs(wMin) > Math.abs(wMax);
        float scale = (wMax - wMin) / nBins;
        if (metal) {
            scale = Float.isNaN(scale) ? EPS : Math.max(scale, EPS);
        } else {
            scale = scale < EPS ? EPS : scale; // std::max(scale, eps) keeps a NaN scale
        }
        scale = mask ? scale : -scale;
        float edge = mask ? wMin : wMax;
        float q0 = round(edge / scale, metal);
        float bias = 0f;
        if (q0 != 0f) { // a NaN q0 counts as not zero, in C++ and in Metal
            scale = edge / q0;
            bias = edge;
        }
        for (int j = 0; j < group; j++) {
            float v = round((w[start + j] - bias) / scale, metal);
            int code;
            if (metal) {
                // min(v, n_bins) (NaN gives n_bins), then the uint8 cast; v is never below -0 here
                float clamped = Float.isNaN(v) ? nBins : Math.min(v, nBins);
                code = (int) clamped;
            } else {
                // std::min(std::max(v, 0), n_bins) keeps a NaN, whose integer cast gave 0 on x86-64
                float clamped = v < 0f ? 0f : v;
                clamped = nBins < clamped ? nBins : clamped;
                code = Float.isNaN(clamped) ? 0 : (int) clamped;
            }
            codes[codeStart + j] = code;
        }
        dtype.put(scales, scale);
        dtype.put(biases, bias);
    }

    /** rint (half to even) on the CPU, round (half away from zero) in Metal. */
    static float round(float x, boolean halfAwayFromZero) {
        if (!halfAwayFromZero) {
            return (float) Math.rint(x);
        }
        double magnitude = Math.floor(Math.abs((double) x) + 0.5);
        return (float) Math.copySign(magnitude, x);
    }

    private static void mxGroup(float[] w, int start, int group, int bits, MlxDtype dtype, int[] codes, int codeStart,
                                ByteBuffer scales) {
        float maxval = bits == 4 ? 6f : 448f;
        float scale = dtype.round(absMax(w, start, group) / maxval);
        // where(scale == 0, 0, astype(round(log2(scale)), int32)), back in the dtype
        float exponent;
        if (scale == 0f) {
            exponent = 0f;
        } else {
            float rounded = (float) Math.rint(dtype.round(log2(scale)));
            exponent = dtype.round((float) x86Int(rounded));
        }
        float power = dtype.round(pow2(exponent));
        for (int j = 0; j < group; j++) {
            float x = dtype.round(w[start + j] / power);
            codes[codeStart + j] = bits == 4 ? fp4Index(x, dtype) : toFp8(x);
        }
        scales.put((byte) x86Int(dtype.round(exponent + 127f)));
    }

    private static void nvGroup(float[] w, int start, int group, MlxDtype dtype, int[] codes, int codeStart,
                                ByteBuffer scales) {
        float scale = dtype.round(absMax(w, start, group) / 6f);
        // multiplied by a float32 1.0 (no global scale): the scale is float32 from here on
        int code = toFp8(scale);
        float decoded = dtype.round(fromFp8(code));
        for (int j = 0; j < group; j++) {
            // the quotient is rounded to the dtype, then widened to float32 by the same multiply
            float x = dtype.round(w[start + j] / decoded);
            codes[codeStart + j] = fp4Index(x, MlxDtype.FLOAT32);
        }
        scales.put((byte) code);
    }

    private static float absMax(float[] w, int start, int group) {
        float m = Math.abs(w[start]);
        for (int j = 1; j < group; j++) {
            m = Math.max(m, Math.abs(w[start + j]));
        }
        return m;
    }

    /** argmin over the table of |x - code|, the subtraction rounded to {@code arithmetic}; the first minimum wins. */
    private static int fp4Index(float x, MlxDtype arithmetic) {
        int best = 0;
        float bestDistance = Math.abs(arithmetic.round(x - arithmetic.round(FP4[0])));
        for (int k = 1; k < FP4.length; k++) {
            float d = Math.abs(arithmetic.round(x - arithmetic.round(FP4[k])));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    /** std::log2 to float32. */
    private static float log2(float x) {
        return (float) (Math.log(x) / LN2);
    }

    private static float pow2(float exponent) {
        return (float) Math.pow(2.0, exponent);
    }

    /** A float to int32 as x86-64's cvttss2si converts it: NaN and out-of-range values give INT_MIN. */
    static int x86Int(float x) {
        if (Float.isNaN(x) || x >= 0x1.0p31f || x < -0x1.0p31f) {
            return Integer.MIN_VALUE;
        }
        return (int) x;
    }

    /** float32 to FP8 E4M3 as MLX's {@code ToFP8}: round to nearest even, saturating at 448 (and for NaN). */
    static int toFp8(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = bits & 0x80000000;
        bits ^= sign;
        int result;
        if (Integer.compareUnsigned(bits, 543 << 21) >= 0) {
            result = 0x7E;
        } else if (Integer.compareUnsigned(bits, 121 << 23) < 0) {
            int denormMask = 141 << 23;
            int low = Float.floatToRawIntBits(Float.intBitsToFloat(bits) + Float.intBitsToFloat(denormMask));
            result = (low - denormMask) & 0xFF;
        } else {
            int mantOdd = (bits >>> 20) & 1;
            int high = bits + (((7 - 127) << 23) + 0x7FFFF) + mantOdd;
            result = (high >>> 20) & 0xFF;
        }
        return result | (sign >>> 24);
    }

    /** FP8 E4M3 to float32 as MLX's {@code FromFP8}. */
    static float fromFp8(int code) {
        float magnitude = Fp16.toFloat((short) ((code & 127) << 7)) * 256f;
        return (code & 128) != 0 ? -magnitude : magnitude;
    }

    private static void pack(int[] codes, int bits, ByteBuffer out) {
        long acc = 0;
        int filled = 0;
        for (int code : codes) {
            acc |= (long) code << filled;
            filled += bits;
            if (filled >= 32) {
                out.putInt((int) acc);
                acc >>>= 32;
                filled -= 32;
            }
        }
        if (filled != 0) {
            throw new IllegalStateException("a row of " + codes.length + " codes of " + bits + " bits is not whole words");
        }
    }

    private static void unpack(ByteBuffer in, int wordStart, int count, int bits, int[] codes) {
        long acc = 0;
        int filled = 0;
        int word = wordStart;
        int mask = (1 << bits) - 1;
        for (int i = 0; i < count; i++) {
            if (filled < bits) {
                acc |= (in.getInt(word * 4) & 0xFFFFFFFFL) << filled;
                word++;
                filled += 32;
            }
            codes[i] = (int) (acc & mask);
            acc >>>= bits;
            filled -= bits;
        }
    }

    /**
     * MLX's CPU {@code dequantize} of {@code rows × cols} values, in {@code dtype} (widened to float32).
     * Buffers are read from index 0; {@code biases} is ignored by the fp modes.
     */
    public static float[] dequantize(ByteBuffer wq, ByteBuffer scales, ByteBuffer biases, int rows, int cols,
                                     MlxQuantization q, MlxDtype dtype) {
        if (!q.fits(cols)) {
            throw new IllegalArgumentException("rows of " + cols + " do not split into groups of " + q.groupSize());
        }
        int group = q.groupSize();
        int groups = cols / group;
        int words = (int) q.packedRowWords(cols);
        float[] out = new float[rows * cols];
        int[] codes = new int[cols];
        for (int r = 0; r < rows; r++) {
            unpack(wq, r * words, cols, q.bits(), codes);
            for (int g = 0; g < groups; g++) {
                int s = r * groups + g;
                for (int j = 0; j < group; j++) {
                    int i = g * group + j;
                    out[r * cols + i] = switch (q.mode()) {
                        case AFFINE -> dtype.round(dtype.round(codes[i] * dtype.get(scales, s)) + dtype.get(biases, s));
                        case NVFP4 -> dtype.round(dtype.round(FP4[codes[i]])
                                * dtype.round(fromFp8(scales.get(s) & 0xFF)));
                        case MXFP4, MXFP8 -> {
                            float value = q.bits() == 4 ? dtype.round(FP4[codes[i]]) : dtype.round(fromFp8(codes[i]));
                            float exponent = dtype.round((scales.get(s) & 0xFF) - 127f);
                            yield dtype.round(value * dtype.round(pow2(exponent)));
                        }
                    };
                }
            }
        }
        return out;
    }
}
