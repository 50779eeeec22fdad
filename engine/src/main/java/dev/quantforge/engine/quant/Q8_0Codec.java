package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q8_0: blocks of 32 values as an fp16 scale and 32 signed bytes standing for {@code q * d}.
 * Importance weights do not apply: ggml ignores them for this type.
 */
final class Q8_0Codec implements Quantizer {
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 34;
    private static final int QS = 2;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        type().rowSize(rowLength);
        int blocks = rows * (rowLength / QK);
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * QK, dst, dstOffset + b * BLOCK_BYTES);
        }
    }

    /** quantize_row_q8_0_ref for one block: the largest magnitude maps to 127. */
    private static void quantizeBlock(float[] src, int x, byte[] dst, int out) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) {
            float av = Math.abs(src[x + j]);
            amax = amax > av ? amax : av;
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        for (int j = 0; j < QK; j++) {
            dst[out + QS + j] = (byte) X86Float.roundHalfAway(src[x + j] * id);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / QK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * QK;
            float d = LittleEndian.getHalf(src, in);
            for (int j = 0; j < QK; j++) {
                dst[y + j] = src[in + QS + j] * d;
            }
        }
    }
}
