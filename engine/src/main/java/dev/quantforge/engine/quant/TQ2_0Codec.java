package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * TQ2_0: ternary super-blocks of 256 values, 2 bits per value (code = trit + 1, four values a byte
 * taken 32 apart), then an fp16 scale equal to the block's absolute maximum.
 */
final class TQ2_0Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.TQ2_0, TQ2_0Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> TernaryVectorBlocks.tq2_0(src, x, blocks, dst, out));
    private static final int SUPER_BLOCK = GgmlType.TQ2_0.blockSize();
    private static final int QS_BYTES = 64;
    private static final int SUPER_BLOCK_BYTES = GgmlType.TQ2_0.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.TQ2_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
    }

    /** The reference the vector path is tested against. */
    static void quantizeScalar(float[] src, int srcOffset, int superBlocks, byte[] dst, int dstOffset) {
        for (int sb = 0; sb < superBlocks; sb++) {
            quantizeSuperBlock(src, srcOffset + sb * SUPER_BLOCK, dst, dstOffset + sb * SUPER_BLOCK_BYTES);
        }
    }

    /** quantize_row_tq2_0_ref for one super-block. */
    static void quantizeSuperBlock(float[] src, int x, byte[] dst, int out) {
        float d = CFloat.maxAbs(src, x, SUPER_BLOCK);
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putShort(dst, out + QS_BYTES, Fp16.fromFloat(d));
        for (int j = 0; j < QS_BYTES; j += 32) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int n = 0; n < 4; n++) {
                    int xi = CRounding.lroundf(src[x + m + n * 32] * id) + 1;
                    q += (xi & 3) << 2 * n;
                }
                dst[out + j + m] = (byte) q;
            }
            x += 4 * 32;
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int y = dstOffset;
        for (int sb = 0; sb < count / SUPER_BLOCK; sb++) {
            int in = srcOffset + sb * SUPER_BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, in + QS_BYTES);
            for (int j = 0; j < QS_BYTES; j += 32) {
                for (int l = 0; l < 4; l++) {
                    for (int m = 0; m < 32; m++) {
                        int q = (src[in + j + m] >> 2 * l) & 3;
                        dst[y++] = (float) (q - 1) * d;
                    }
                }
            }
        }
    }
}
