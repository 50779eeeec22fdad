package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q5_0: blocks of 32 values as an fp16 scale, 32 fifth bits ({@code qh}, bit {@code j} for value
 * {@code j}) and 16 bytes of low nibbles laid out as in Q4_0; level {@code 0..31} stands for
 * {@code (level - 16) * d}.
 */
final class Q5_0Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.Q5_0, Q5_0Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> LegacyVectorBlocks.q5_0(src, x, blocks, dst, out));
    private static final int QK = GgmlType.Q5_0.blockSize();
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = GgmlType.Q5_0.typeSize();
    private static final int QH = 2;
    private static final int QS = 6;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
            return;
        }
        byte[] levels = new byte[QK];
        LegacyImportance.quantize(type(), src, srcOffset, rows, rowLength, importance, dstOffset, (x, weight, out) -> {
            float d = QuantMath.makeQxQuants(QK, 16, src, x, levels, 0, 1, weight, 0);
            LittleEndian.putHalf(dst, out, d);
            packLevels(levels, dst, out);
        });
    }

    /** Levels 0..31: low nibbles as in Q4_0, fifth bits gathered into qh. */
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
        for (int b = 0; b < blocks; b++, x += QK, out += BLOCK_BYTES) {
            quantizeBlock(src, x, dst, out);
        }
    }

    /** quantize_row_q5_0_ref for one block: the scale maps the value of largest magnitude to level -16. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out) {
        float max = BlockExtremes.signedAbsMax(src, x, QK);
        float d = max * -0.0625f; // max / -16, exactly
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        boolean x86 = Float.isInfinite(id); // else Java's cast agrees with C's (see Q4_0Codec)
        int fifthBits0 = 0; // bit j + 4 holds value j's fifth bit
        int fifthBits1 = 0; // bit j + 4 holds value j + 16's
        for (int j = 0; j < HALF; j++) {
            float t0 = src[x + j] * id + 16.5f;
            float t1 = src[x + HALF + j] * id + 16.5f;
            int xi0 = Math.min(31, x86 ? (byte) CFloat.truncate(t0) : (int) t0);
            int xi1 = Math.min(31, x86 ? (byte) CFloat.truncate(t1) : (int) t1);
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
            int qh = LittleEndian.getInt(src, in + QH);
            for (int j = 0; j < HALF; j++) {
                int q = src[in + QS + j];
                int high0 = ((qh >>> j) << 4) & 0x10;
                int high1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | high0) - 16) * d;
                dst[y + j + HALF] = ((((q >> 4) & 0x0F) | high1) - 16) * d;
            }
        }
    }
}
