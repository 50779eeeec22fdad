package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/** MXFP4: blocks of 32 FP4 (E2M1) values sharing a power-of-two (E8M0) scale byte. */
final class MXFP4Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.MXFP4, MXFP4Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> Mxfp4VectorBlocks.mxfp4(src, x, blocks, dst, out));
    private static final int BLOCK = GgmlType.MXFP4.blockSize();
    private static final int BLOCK_BYTES = GgmlType.MXFP4.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.MXFP4;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
    }

    /** The reference the vector path is tested against. */
    static void quantizeScalar(float[] src, int srcOffset, int blocks, byte[] dst, int dstOffset) {
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * BLOCK, dst, dstOffset + b * BLOCK_BYTES);
        }
    }

    /** quantize_row_mxfp4_ref for one block. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out) {
        float amax = 0.0f;
        for (int j = 0; j < BLOCK; j++) {
            float a = Math.abs(src[x + j]);
            if (amax < a) {
                amax = a;
            }
        }
        int e = amax > 0.0f ? exponentByte(amax) : 0;
        float d = e8m0ToFloatHalf(e);
        dst[out] = (byte) e;
        double fastLimit = E2m1.fastLimit(d);
        for (int j = 0; j < BLOCK / 2; j++) {
            int x0 = E2m1.bestIndex(src[x + j], d, fastLimit);
            int x1 = E2m1.bestIndex(src[x + BLOCK / 2 + j], d, fastLimit);
            dst[out + 1 + j] = (byte) (x0 | x1 << 4);
        }
    }

    /**
     * {@code (uint8_t) (floorf(log2f(amax)) - 2 + 127)}. log2f rounds to float first, so the few floats
     * just below a power of two already count as that power. The cast keeps the low byte of the integer,
     * as x86-64 does for the out-of-range exponents of subnormal maxima.
     */
    static int exponentByte(float amax) {
        float log2 = (float) (Math.log(amax) / Math.log(2.0));
        float e = (float) Math.floor(log2) - 2 + 127;
        return (int) e & 0xFF;
    }

    /** ggml's {@code ggml_e8m0_to_fp32_half}: 2^(e - 128), subnormal for e below 2. */
    static float e8m0ToFloatHalf(int e) {
        int bits = e < 2 ? 0x00200000 << e : (e - 1) << 23;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * BLOCK;
            float d = e8m0ToFloatHalf(src[in] & 0xFF);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src[in + 1 + j] & 0xFF;
                dst[y + j] = E2m1.LEVELS[q & 0xF] * d;
                dst[y + BLOCK / 2 + j] = E2m1.LEVELS[q >> 4] * d;
            }
        }
    }
}
