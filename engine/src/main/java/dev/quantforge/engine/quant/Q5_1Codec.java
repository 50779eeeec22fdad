package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q5_1: blocks of 32 values as an fp16 scale {@code d}, an fp16 minimum {@code m}, 32 fifth bits
 * ({@code qh}) and 16 bytes of low nibbles laid out as in Q4_1; level {@code 0..31} stands for
 * {@code level * d + m}.
 */
final class Q5_1Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.Q5_1, Q5_1Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> LegacyVectorBlocks.q5_1(src, x, blocks, dst, out));
    private static final int QK = GgmlType.Q5_1.blockSize();
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = GgmlType.Q5_1.typeSize();
    private static final int QH = 4;
    private static final int QS = 8;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
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
            float d = QuantMath.makeQkx3Quants(QK, 31, src, x, weight, 0, levels, 0, min, levelsAux,
                    -0.9f, 0.05f, 36, false);
            LittleEndian.putHalf(dst, out, d);
            LittleEndian.putHalf(dst, out + 2, -min[0]);
            packLevels(levels, dst, out);
        });
    }

    /** Levels 0..31: low nibbles as in Q4_1, fifth bits gathered into qh. */
    private static void packLevels(byte[] levels, byte[] dst, int out) {
        int fifthBits0 = 0;
        int fifthBits1 = 0;
        for (int j = 0; j < HALF; j++) {
            int xi0 = levels[j];
            int xi1 = levels[j + HALF];
            dst[out + QS + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            fifthBits0 |= (xi0 & 0x10) << j;
            fifthBits1 |= (xi1 & 0x10) << j;
        }
        LittleEndian.putInt(dst, out + QH, (fifthBits0 >>> 4) | (fifthBits1 << 12));
    }

    /** Plain blocks (no importance weights) in scalar code: the reference for the vector kernel. */
    static void quantizeScalar(float[] src, int x, int blocks, byte[] dst, int out) {
        float[] minMax = new float[2];
        for (int b = 0; b < blocks; b++, x += QK, out += BLOCK_BYTES) {
            quantizeBlock(src, x, dst, out, minMax);
        }
    }

    /** quantize_row_q5_1_ref for one block: the block's range split into 31 steps. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out, float[] minMax) {
        BlockExtremes.minMax(src, x, QK, minMax);
        float min = minMax[0];
        float max = minMax[1];
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        LittleEndian.putHalf(dst, out + 2, min);
        boolean x86 = Float.isInfinite(id); // else Java's cast agrees with C's (see Q4_0Codec)
        int fifthBits0 = 0; // bit j + 4 holds value j's fifth bit
        int fifthBits1 = 0; // bit j + 4 holds value j + 16's
        for (int j = 0; j < HALF; j++) {
            float t0 = (src[x + j] - min) * id + 0.5f;
            float t1 = (src[x + HALF + j] - min) * id + 0.5f;
            int xi0 = x86 ? CFloat.truncate(t0) : (int) t0;
            int xi1 = x86 ? CFloat.truncate(t1) : (int) t1;
            dst[out + QS + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            fifthBits0 |= (xi0 & 0x10) << j;
            fifthBits1 |= (xi1 & 0x10) << j;
        }
        LittleEndian.putInt(dst, out + QH, (fifthBits0 >>> 4) | (fifthBits1 << 12));
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / QK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * QK;
            float d = LittleEndian.getHalf(src, in);
            float m = LittleEndian.getHalf(src, in + 2);
            int qh = LittleEndian.getInt(src, in + QH);
            for (int j = 0; j < HALF; j++) {
                int q = src[in + QS + j];
                int high0 = ((qh >>> j) << 4) & 0x10;
                int high1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0x0F) | high0) * d + m;
                dst[y + j + HALF] = (((q >> 4) & 0x0F) | high1) * d + m;
            }
        }
    }
}
