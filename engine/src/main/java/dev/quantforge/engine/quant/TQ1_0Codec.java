package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * TQ1_0: ternary super-blocks of 256 values packed in base 3: 48 bytes of five trits (32 bytes with
 * values 32 apart, then 16 bytes with values 16 apart), 4 bytes of four trits, then an fp16 scale equal
 * to the block's absolute maximum. A byte stores its trits as the fraction {@code ceil(t * 256 / 243)}, so
 * multiplying by 3 shifts the next trit into the top bits.
 */
final class TQ1_0Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.TQ1_0, TQ1_0Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> TernaryVectorBlocks.tq1_0(src, x, blocks, dst, out));
    private static final int SUPER_BLOCK = GgmlType.TQ1_0.blockSize();
    private static final int QS_BYTES = 48;
    private static final int QH_BYTES = 4;
    private static final int SUPER_BLOCK_BYTES = GgmlType.TQ1_0.typeSize();
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    @Override
    public GgmlType type() {
        return GgmlType.TQ1_0;
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

    /** quantize_row_tq1_0_ref for one super-block. */
    static void quantizeSuperBlock(float[] src, int x, byte[] dst, int out) {
        float d = CFloat.maxAbs(src, x, SUPER_BLOCK);
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putShort(dst, out + QS_BYTES + QH_BYTES, Fp16.fromFloat(d));
        for (int m = 0; m < 32; m++) {
            dst[out + m] = packTrits(src, x + m, 32, 5, id);
        }
        x += 5 * 32;
        for (int m = 0; m < 16; m++) {
            dst[out + 32 + m] = packTrits(src, x + m, 16, 5, id);
        }
        x += 5 * 16;
        for (int j = 0; j < QH_BYTES; j++) {
            dst[out + QS_BYTES + j] = packTrits(src, x + j, QH_BYTES, 4, id);
        }
    }

    /** {@code count} trits taken {@code stride} apart, first one most significant, as a byte fraction of 243. */
    static byte packTrits(float[] src, int first, int stride, int count, float id) {
        int q = 0;
        for (int n = 0; n < count; n++) {
            int xi = CRounding.lroundf(src[first + n * stride] * id) + 1;
            q = (q * 3 + xi) & 0xFF;
        }
        for (int n = count; n < 5; n++) {
            q = (q * 3) & 0xFF; // a four-trit byte still puts its first trit on top
        }
        return (byte) ((q * 256 + (243 - 1)) / 243);
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int y = dstOffset;
        for (int sb = 0; sb < count / SUPER_BLOCK; sb++) {
            int in = srcOffset + sb * SUPER_BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, in + QS_BYTES + QH_BYTES);
            for (int n = 0; n < 5; n++) {
                for (int m = 0; m < 32; m++) {
                    dst[y++] = trit(src[in + m], n) * d;
                }
            }
            for (int n = 0; n < 5; n++) {
                for (int m = 0; m < 16; m++) {
                    dst[y++] = trit(src[in + 32 + m], n) * d;
                }
            }
            for (int n = 0; n < 4; n++) {
                for (int j = 0; j < QH_BYTES; j++) {
                    dst[y++] = trit(src[in + QS_BYTES + j], n) * d;
                }
            }
        }
    }

    /** The n-th trit of a packed byte, as -1, 0 or 1. */
    private static float trit(byte packed, int n) {
        int q = ((packed & 0xFF) * POW3[n]) & 0xFF;
        return (float) (((q * 3) >> 8) - 1);
    }
}
