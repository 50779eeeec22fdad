package dev.quantforge.engine.ggml;

/** bfloat16 as ggml converts it: float32 → bf16 rounds to nearest even, NaN stays a quiet NaN. */
public final class Bf16 {
    private Bf16() {
    }

    public static float toFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7FFF + ((bits >>> 16) & 1))) >>> 16);
    }
}
