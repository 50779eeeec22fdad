package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/** bfloat16, rounded to nearest even. */
final class Bf16Codec implements Quantizer {
    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int n = rows * rowLength;
        if (KernelPath.HALF_VECTOR) {
            HalfVectorRows.toBf16(src, srcOffset, n, dst, dstOffset);
        } else {
            quantizeScalar(src, srcOffset, n, dst, dstOffset);
        }
    }

    /** The reference the vector path is tested against. */
    static void quantizeScalar(float[] src, int srcOffset, int n, byte[] dst, int dstOffset) {
        for (int i = 0; i < n; i++) {
            LittleEndian.putShort(dst, dstOffset + 2 * i, Bf16.fromFloat(src[srcOffset + i]));
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Bf16.toFloat(LittleEndian.getShort(src, srcOffset + 2 * i));
        }
    }
}
