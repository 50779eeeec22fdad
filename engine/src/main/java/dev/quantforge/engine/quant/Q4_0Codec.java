package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q4_0: blocks of 32 values as an fp16 scale and 4-bit levels {@code 0..15} standing for
 * {@code (level - 8) * d}; value {@code j} sits in the low nibble of byte {@code j}, value {@code j + 16}
 * in its high nibble.
 */
final class Q4_0Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.Q4_0, Q4_0Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> LegacyVectorBlocks.q4_0(src, x, blocks, dst, out));
    private static final int QK = GgmlType.Q4_0.blockSize();
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = GgmlType.Q4_0.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
            return;
        }
        byte[] levels = new byte[QK];
        LegacyImportance.quantize(type(), src, srcOffset, rows, rowLength, importance, dstOffset, (x, weight, out) -> {
            float d = QuantMath.makeQxQuants(QK, 8, src, x, levels, 0, 1, weight, 0);
            LittleEndian.putHalf(dst, out, d);
            for (int j = 0; j < HALF; j++) {
                dst[out + 2 + j] = (byte) (levels[j] | (levels[j + HALF] << 4));
            }
        });
    }

    /** Plain blocks (no importance weights) in scalar code: the reference for the vector kernel. */
    static void quantizeScalar(float[] src, int x, int blocks, byte[] dst, int out) {
        for (int b = 0; b < blocks; b++, x += QK, out += BLOCK_BYTES) {
            quantizeBlock(src, x, dst, out);
        }
    }

    /** quantize_row_q4_0_ref for one block: the scale maps the value of largest magnitude to level -8. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out) {
        float max = BlockExtremes.signedAbsMax(src, x, QK);
        float d = max * -0.125f; // max / -8, exactly
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        // A finite reciprocal keeps every level in int range, where Java's cast truncates as C's does
        // (NaN gives 0 in both once narrowed); an infinite one needs x86's out-of-range result.
        boolean x86 = Float.isInfinite(id);
        for (int j = 0; j < HALF; j++) {
            float t0 = src[x + j] * id + 8.5f;
            float t1 = src[x + HALF + j] * id + 8.5f;
            int xi0 = Math.min(15, x86 ? (byte) CFloat.truncate(t0) : (int) t0);
            int xi1 = Math.min(15, x86 ? (byte) CFloat.truncate(t1) : (int) t1);
            dst[out + 2 + j] = (byte) (xi0 & 0xFF | xi1 << 4);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / QK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * QK;
            float d = LittleEndian.getHalf(src, in);
            for (int j = 0; j < HALF; j++) {
                int q = src[in + 2 + j];
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + HALF] = (((q >> 4) & 0x0F) - 8) * d;
            }
        }
    }
}
