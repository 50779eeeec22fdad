package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/** Q1_0: blocks of 128 signs (bit set for x >= 0) sharing an fp16 scale, the block's mean absolute value. */
final class Q1_0Codec implements Quantizer {
    private static final int BLOCK = GgmlType.Q1_0.blockSize();
    private static final int BLOCK_BYTES = GgmlType.Q1_0.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.Q1_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int blocks = rows * (rowLength / BLOCK);
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            int out = dstOffset + b * BLOCK_BYTES;
            float sumAbs = 0.0f;
            for (int j = 0; j < BLOCK; j++) {
                sumAbs += Math.abs(src[x + j]);
            }
            LittleEndian.putShort(dst, out, Fp16.fromFloat(sumAbs / BLOCK));
            for (int byteIndex = 0; byteIndex < BLOCK / 8; byteIndex++) {
                int bits = 0;
                for (int bit = 0; bit < 8; bit++) {
                    if (src[x + 8 * byteIndex + bit] >= 0.0f) { // -0.0 counts as positive, NaN as negative
                        bits |= 1 << bit;
                    }
                }
                dst[out + 2 + byteIndex] = (byte) bits;
            }
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.getHalf(src, in);
            float negD = -d;
            for (int j = 0; j < BLOCK; j++) {
                dst[y + j] = ((src[in + 2 + j / 8] >> (j % 8)) & 1) != 0 ? d : negD;
            }
        }
    }
}
