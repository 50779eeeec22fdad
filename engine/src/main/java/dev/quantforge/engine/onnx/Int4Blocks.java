package dev.quantforge.engine.onnx;

import dev.quantforge.engine.ggml.Fp16;

/**
 * ONNX Runtime's blockwise 4-bit quantization for {@code MatMulNBits} (com.microsoft), computed as MLAS's
 * {@code BlockwiseQuantizer<float, block, 4, columnwise>::quantizeAndTranspose} does it (q4_dq.cpp, the
 * kernel behind {@code matmul_nbits_quantizer.py}'s default RTN path):
 * <ul>
 *   <li>one block is {@code blockSize} consecutive elements along K of one output column n (a row of the
 *       Hugging Face weight {@code [N, K]}); its min and max are over the real elements only;</li>
 *   <li>asymmetric: the range is stretched to include 0, {@code scale = (max - min) / 15},
 *       {@code zp = roundf(-min / scale)} clamped to 0..15 ({@code zp = 0} when the scale is 0);</li>
 *   <li>symmetric: the signed extreme {@code e} (the one of larger magnitude, min on a tie),
 *       {@code scale = -e / 8}, zero point 8 (MatMulNBits' default when no zero_points input is given);</li>
 *   <li>each element becomes {@code clamp(roundf(v * (1 / scale) + zp), 0, 15)} ({@code 1/scale} is 0 when the
 *       scale is 0), roundf rounding half away from zero, in float arithmetic;</li>
 *   <li>two elements per byte, the lower K index in the low nibble; the last block of a column whose K is not
 *       a multiple of the block size is padded with zero nibbles (the quantizer's zero-filled buffer);</li>
 *   <li>zero points two per byte, the even block in the low nibble, each column padded to whole bytes with 0.</li>
 * </ul>
 * With float16 scales (a model with float16 activations, where MatMulNBits' T1 is float16), it is
 * {@code BlockwiseQuantizer<MLFloat16, ...>}, what ONNX Runtime's quantizer runs on a float16 model: the weights are
 * float16 first (each value rounded to the nearest float16), min/max and the scale are computed in float as above,
 * the scale is stored rounded to float16, the zero point comes from the unrounded scale (range2scalezp), and the
 * elements are quantized with {@code 1 / scale} of the rounded, stored scale (quantizeAndTranspose reads it back).
 */
public final class Int4Blocks {
    private Int4Blocks() {
    }

    /** Blocks along K. */
    public static int blocks(int k, int blockSize) {
        return (k + blockSize - 1) / blockSize;
    }

    /** Bytes of one column's packed data: {@code blocks * blockSize / 2}. */
    public static int columnBytes(int k, int blockSize) {
        return blocks(k, blockSize) * blockSize / 2;
    }

    /** Bytes of one column's packed zero points. */
    public static int zeroPointBytes(int k, int blockSize) {
        return (blocks(k, blockSize) + 1) / 2;
    }

    /**
     * Quantizes one column ({@code k} values of {@code src} from {@code srcOffset}).
     *
     * @param packed     receives {@link #columnBytes} bytes from {@code packedOffset}
     * @param scales     receives {@link #blocks} scales from {@code scaleOffset}
     * @param zeroPoints receives {@link #zeroPointBytes} bytes from {@code zpOffset}; null when symmetric
     */
    public static void quantizeColumn(float[] src, int srcOffset, int k, int blockSize, boolean symmetric,
                                      byte[] packed, int packedOffset, float[] scales, int scaleOffset,
                                      byte[] zeroPoints, int zpOffset) {
        quantizeColumn(src, srcOffset, k, blockSize, symmetric, false, packed, packedOffset, scales, scaleOffset,
                zeroPoints, zpOffset);
    }

    /**
     * As {@link #quantizeColumn(float[], int, int, int, boolean, byte[], int, float[], int, byte[], int)}; with
     * {@code halfScales} the column's values are taken as float16 and {@code scales} receives float16 values
     * (exactly representable, to be written as float16), as the class comment says.
     */
    public static void quantizeColumn(float[] src, int srcOffset, int k, int blockSize, boolean symmetric,
                                      boolean halfScales, byte[] packed, int packedOffset, float[] scales,
                                      int scaleOffset, byte[] zeroPoints, int zpOffset) {
        if (blockSize < 16 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two of at least 16, got " + blockSize);
        }
        int blocks = blocks(k, blockSize);
        java.util.Arrays.fill(packed, packedOffset, packedOffset + columnBytes(k, blockSize), (byte) 0);
        if (!symmetric) {
            java.util.Arrays.fill(zeroPoints, zpOffset, zpOffset + zeroPointBytes(k, blockSize), (byte) 0);
        }
        // one block's values as the quantizer reads them (float16-rounded once, not per pass, when halfScales)
        float[] values = halfScales ? new float[Math.min(blockSize, k)] : src;
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            int to = Math.min(k, from + blockSize);
            int base = srcOffset + from;
            if (halfScales) {
                for (int i = from; i < to; i++) {
                    values[i - from] = Fp16.toFloat(Fp16.fromFloat(src[srcOffset + i]));
                }
                base = 0;
            }
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = from; i < to; i++) {
                float v = values[base + i - from];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float scale;
            int zp;
            if (symmetric) {
                float extreme = Math.abs(max) > Math.abs(min) ? max : min;
                scale = -extreme / 8f;
                zp = 8;
            } else {
                min = Math.min(min, 0f);
                max = Math.max(max, 0f);
                scale = (max - min) / 15f;
                float zeroPoint = min;
                if (scale != 0f) {
                    zeroPoint = 0f - min / scale;
                }
                if (zeroPoint < 0f) {
                    zp = 0;
                } else if (zeroPoint > 15f) {
                    zp = 15;
                } else {
                    zp = (int) roundf(zeroPoint);
                }
                zeroPoints[zpOffset + b / 2] |= (byte) (b % 2 == 0 ? zp : zp << 4);
            }
            if (halfScales) {
                scale = Fp16.toFloat(Fp16.fromFloat(scale));
            }
            scales[scaleOffset + b] = scale;
            float reciprocal = scale != 0f ? 1f / scale : 0f;
            for (int i = from; i < to; i++) {
                float q = roundf(values[base + i - from] * reciprocal + zp);
                int v = (int) Math.min(15f, Math.max(0f, q));
                packed[packedOffset + i / 2] |= (byte) (i % 2 == 0 ? v : v << 4);
            }
        }
    }

    /** The value a stored nibble stands for: {@code (q - zp) * scale}. */
    public static float dequantize(int q, int zp, float scale) {
        return (q - zp) * scale;
    }

    /** C's {@code roundf}: half away from zero (adding 0.5 in double is exact for any float). NaN stays NaN. */
    static float roundf(float v) {
        if (Float.isNaN(v) || Float.isInfinite(v)) {
            return v;
        }
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
