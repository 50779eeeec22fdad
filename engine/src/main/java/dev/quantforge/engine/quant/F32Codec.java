package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/** Plain float32: a copy in little-endian order. */
final class F32Codec implements Quantizer {
    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        int n = rows * rowLength;
        for (int i = 0; i < n; i++) {
            LittleEndian.putFloat(dst, dstOffset + 4 * i, src[srcOffset + i]);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = LittleEndian.getFloat(src, srcOffset + 4 * i);
        }
    }
}
