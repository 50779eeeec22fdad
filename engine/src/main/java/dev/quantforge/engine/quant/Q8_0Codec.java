package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * ggml's Q8_0: blocks of 32 values as an fp16 scale and 32 signed bytes standing for {@code q * d}.
 * Importance weights do not apply: ggml ignores them for this type.
 */
final class Q8_0Codec implements Quantizer {
    private static final KernelRace KERNELS = KernelRace.of(GgmlType.Q8_0, Q8_0Codec::quantizeScalar,
            (src, x, blocks, dst, out) -> LegacyVectorBlocks.q8_0(src, x, blocks, dst, out));
    private static final int QK = GgmlType.Q8_0.blockSize();
    private static final int BLOCK_BYTES = GgmlType.Q8_0.typeSize();
    private static final int QS = 2;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        KERNELS.quantize(src, srcOffset, BlockRows.count(type(), rows, rowLength), dst, dstOffset);
    }

    /** {@code blocks} consecutive blocks from {@code src[x]} into {@code dst[out]}, one block a step. */
    static void quantizeScalar(float[] src, int x, int blocks, byte[] dst, int out) {
        for (int b = 0; b < blocks; b++, x += QK, out += BLOCK_BYTES) {
            quantizeBlock(src, x, dst, out);
        }
    }

    /** quantize_row_q8_0_ref for one block: the largest magnitude maps to 127. */
    static void quantizeBlock(float[] src, int x, byte[] dst, int out) {
        float amax = BlockExtremes.absMax(src, x, QK);
        if (Float.isNaN(amax)) {
            quantizeBlockInOrder(src, x, dst, out);
            return;
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        if (Float.isInfinite(id)) {
            convertX86(src, x, id, dst, out);
            return;
        }
        // A finite reciprocal of the true maximum keeps every value in int range, where rounding half
        // away from zero in double is exact and Java's cast agrees with C's.
        for (int j = 0; j < QK; j++) {
            float x0 = src[x + j] * id;
            dst[out + QS + j] = (byte) (int) (x0 + Math.copySign(0.5, x0));
        }
    }

    /** ggml's loop as written, for blocks holding NaN. */
    private static void quantizeBlockInOrder(float[] src, int x, byte[] dst, int out) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) {
            float av = CFloat.abs(src[x + j]);
            amax = amax > av ? amax : av;
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        LittleEndian.putHalf(dst, out, d);
        convertX86(src, x, id, dst, out);
    }

    /** roundf and the int8_t conversion as x86 executes them, where values may leave int range. */
    private static void convertX86(float[] src, int x, float id, byte[] dst, int out) {
        for (int j = 0; j < QK; j++) {
            dst[out + QS + j] = (byte) CFloat.roundHalfAway(src[x + j] * id);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / QK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            int y = dstOffset + b * QK;
            float d = LittleEndian.getHalf(src, in);
            for (int j = 0; j < QK; j++) {
                dst[y + j] = src[in + QS + j] * d;
            }
        }
    }
}
