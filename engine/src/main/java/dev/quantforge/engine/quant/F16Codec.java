package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/** IEEE half precision, rounded to nearest even. */
final class F16Codec implements Quantizer {
    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int n = rows * rowLength;
        if (KernelPath.HALF_VECTOR) {
            HalfVectorRows.toHalf(src, srcOffset, n, dst, dstOffset);
        } else {
            quantizeScalar(src, srcOffset, n, dst, dstOffset);
        }
    }

    /** The reference the vector path is tested against. */
    static void quantizeScalar(float[] src, int srcOffset, int n, byte[] dst, int dstOffset) {
        for (int i = 0; i < n; i++) {
            LittleEndian.putShort(dst, dstOffset + 2 * i, Fp16.fromFloat(src[srcOffset + i]));
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Fp16.toFloat(LittleEndian.getShort(src, srcOffset + 2 * i));
        }
    }
}
