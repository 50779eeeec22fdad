package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q4_1: blocks of 32 values as an fp16 scale {@code d}, an fp16 minimum {@code m} and 4-bit
 * levels standing for {@code level * d + m}; value {@code j} in the low nibble of byte {@code j},
 * value {@code j + 16} in its high nibble.
 */
final class Q4_1Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.Q4_1, Q4_1Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> LegacyVectorBlocks.q4_1(src, x, blocks, dst, out));
    private static final int QK = GgmlType.Q4_1.blockSize();
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = GgmlType.Q4_1.typeSize();
    private static final int QS = 4;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
            return;
        }
        byte[] levels = new byte[QK];
        byte[] levelsAux = new byte[QK];
        float[] min = new float[1];
        LegacyImportance.quantize(type(), src, srcOffset, rows, rowLength, importance, dstOffset, (x, weight, out) -> {
            float d = QuantMath.makeQkx3Quants(QK, 15, src, x, weight, 0, levels, 0, min, levelsAux,
                    -0.9f, 0.05f, 36, false);
            LittleEndian.putHalf(dst, out, d);
            LittleEndian.putHalf(dst, out + 2, -min[0]);
            for (int j = 0; j < HALF; j++) {
                dst[out + QS + j] = (byte) (levels[j] | (levels[j + HALF] << 4));
            }
        });
    }

    /** Plain blocks (no importance weights) in scalar code: the reference for the vector kernel. */
    static void quantizeScalar(float[] src, int x, int blocks, byte[] dst, int out) {
        float[] minMax = new float[2];
        for (int b = 0; b < blocks; b++, x += QK, out += BLOCK_BYTES) {
            quantizeBlock(src, x, dst, out, minMax);
        }
    }

    /** quantize_row_q4_1_ref for one block: the block's range split into 15 steps. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out, float[] minMax) {
        BlockExtremes.minMax(src, x, QK, minMax);
        float min = minMax[0];
        float max = minMax[1];
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        LittleEndian.putHalf(dst, out + 2, min);
        boolean x86 = Float.isInfinite(id); // else Java's cast agrees with C's (see Q4_0Codec)
        for (int j = 0; j < HALF; j++) {
            float t0 = (src[x + j] - min) * id + 0.5f;
            float t1 = (src[x + HALF + j] - min) * id + 0.5f;
            int xi0 = Math.min(15, x86 ? (byte) CFloat.truncate(t0) : (int) t0);
            int xi1 = Math.min(15, x86 ? (byte) CFloat.truncate(t1) : (int) t1);
            dst[out + QS + j] = (byte) (xi0 & 0xFF | xi1 << 4);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / QK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * QK;
            float d = LittleEndian.getHalf(src, in);
            float m = LittleEndian.getHalf(src, in + 2);
            for (int j = 0; j < HALF; j++) {
                int q = src[in + QS + j];
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + HALF] = ((q >> 4) & 0x0F) * d + m;
            }
        }
    }
}
