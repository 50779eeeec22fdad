package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * Q2_0: blocks of 64 values, an fp16 scale equal to the absolute maximum, then 2-bit codes four a byte,
 * lowest bits first; code c stands for (c - 1) * scale, so the levels are -1, 0, +1, +2.
 */
final class Q2_0Codec implements Quantizer {
    private static final int BLOCK = GgmlType.Q2_0.blockSize();
    private static final int BLOCK_BYTES = GgmlType.Q2_0.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.Q2_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int blocks = rows * (rowLength / BLOCK);
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            int out = dstOffset + b * BLOCK_BYTES;
            float amax = 0.0f;
            for (int j = 0; j < BLOCK; j++) {
                float a = Math.abs(src[x + j]);
                if (a > amax) {
                    amax = a;
                }
            }
            float d = amax;
            float id = d > 0.0f ? 1.0f / d : 0.0f;
            LittleEndian.putShort(dst, out, Fp16.fromFloat(d));
            for (int byteIndex = 0; byteIndex < BLOCK / 4; byteIndex++) {
                int codes = 0;
                for (int k = 0; k < 4; k++) {
                    int q = CRounding.roundfToInt(src[x + 4 * byteIndex + k] * id) + 1;
                    q = Math.max(0, Math.min(3, q));
                    codes |= q << 2 * k;
                }
                dst[out + 2 + byteIndex] = (byte) codes;
            }
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.getHalf(src, in);
            for (int j = 0; j < BLOCK; j++) {
                int q = (src[in + 2 + j / 4] >> 2 * (j % 4)) & 3;
                dst[y + j] = (q - 1) * d;
            }
        }
    }
}
