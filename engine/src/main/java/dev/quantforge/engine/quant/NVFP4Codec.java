package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * NVFP4: blocks of 64 FP4 (E2M1) values in four sub-blocks of 16, each with an unsigned E4M3 scale
 * byte; the four scale bytes come first, then 32 bytes of codes.
 */
final class NVFP4Codec implements Quantizer {
    private static final int BLOCK = GgmlType.NVFP4.blockSize();
    private static final int SUB_BLOCK = 16;
    private static final int SUB_BLOCKS = BLOCK / SUB_BLOCK;
    private static final int BLOCK_BYTES = GgmlType.NVFP4.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.NVFP4;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int blocks = rows * (rowLength / BLOCK);
        for (int b = 0; b < blocks; b++) {
            int out = dstOffset + b * BLOCK_BYTES;
            for (int s = 0; s < SUB_BLOCKS; s++) {
                int x = srcOffset + b * BLOCK + s * SUB_BLOCK;
                float amax = 0.0f;
                for (int j = 0; j < SUB_BLOCK; j++) {
                    float a = Math.abs(src[x + j]);
                    if (amax < a) {
                        amax = a;
                    }
                }
                // 6 is E2M1's largest value, so amax / 6 maps the largest element onto it
                int ue = floatToUe4m3(amax / 6.0f);
                dst[out + s] = (byte) ue;
                float d = ue4m3ToFloat(ue);
                double fastLimit = E2m1.fastLimit(d);
                for (int j = 0; j < SUB_BLOCK / 2; j++) {
                    int x0 = E2m1.bestIndex(src[x + j], d, fastLimit);
                    int x1 = E2m1.bestIndex(src[x + SUB_BLOCK / 2 + j], d, fastLimit);
                    dst[out + SUB_BLOCKS + s * (SUB_BLOCK / 2) + j] = (byte) (x0 | x1 << 4);
                }
            }
        }
    }

    /** ggml's {@code ggml_ue4m3_to_fp32}: half the UE4M3 value (bias 7), matching the doubled E2M1 levels. */
    static float ue4m3ToFloat(int x) {
        if (x == 0 || x == 0x7F) {
            return 0.0f;
        }
        int exp = (x >> 3) & 0xF;
        int man = x & 0x7;
        float raw = exp == 0 ? Math.scalb((float) man, -9) : Math.scalb(1.0f + (float) man / 8.0f, exp - 7);
        return raw * 0.5f;
    }

    /**
     * ggml's {@code ggml_fp32_to_ue4m3}: saturates at 448, rounds the mantissa half up (by the first
     * dropped bit), and the largest code it produces is 0x7E.
     */
    static int floatToUe4m3(float x) {
        if (!(x > 0.0f)) {
            return 0;
        }
        if (x > 448.0f) {
            x = 448.0f;
        }
        int bits = Float.floatToRawIntBits(x);
        int fp32Exp = ((bits >> 23) & 0xFF) - 127;
        int fp32Man = (bits >> 20) & 0x7;
        int exp = fp32Exp + 7;
        if (exp <= 0) {
            int man = (int) (x * 512.0f + 0.5f);
            if (man > 7) {
                man = 7;
            }
            return man < 1 ? 0 : man;
        }
        if (exp >= 15) {
            return 0x7E;
        }
        int man = fp32Man + ((bits >> 19) & 1);
        if (man > 7) {
            man = 0;
            exp++;
            if (exp >= 15) {
                return 0x7E;
            }
        }
        return exp << 3 | man;
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            for (int s = 0; s < SUB_BLOCKS; s++) {
                float d = ue4m3ToFloat(src[in + s] & 0xFF);
                int y = dstOffset + b * BLOCK + s * SUB_BLOCK;
                for (int j = 0; j < SUB_BLOCK / 2; j++) {
                    int q = src[in + SUB_BLOCKS + s * (SUB_BLOCK / 2) + j] & 0xFF;
                    dst[y + j] = E2m1.LEVELS[q & 0xF] * d;
                    dst[y + SUB_BLOCK / 2 + j] = E2m1.LEVELS[q >> 4] * d;
                }
            }
        }
    }
}
