package dev.quantforge.engine.onnx;

/**
 * Weight-only int8, per output channel, symmetric: what {@code DequantizeLinear(w_q, scale, axis=1)} then
 * {@code MatMul} computes with. Per output column n (a row of the Hugging Face weight):
 * {@code scale = max|w| / 127} (1 when the column is all zeros), {@code q = clamp(rint(w / scale), -127, 127)},
 * rounding half to even as ONNX's QuantizeLinear does. The range is kept symmetric (-127..127, not -128),
 * as ONNX Runtime's quantizer does for symmetric int8 weights, so that negation is exact.
 */
public final class Int8Channels {
    private Int8Channels() {
    }

    public static float scale(float[] row, int offset, int length) {
        float amax = 0f;
        for (int i = 0; i < length; i++) {
            amax = Math.max(amax, Math.abs(row[offset + i]));
        }
        return amax == 0f ? 1f : amax / 127f;
    }

    public static byte quantize(float v, float scale) {
        float q = (float) Math.rint(v / scale);
        return (byte) Math.max(-127f, Math.min(127f, q));
    }
}
