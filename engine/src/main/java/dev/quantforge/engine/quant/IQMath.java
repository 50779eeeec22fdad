package dev.quantforge.engine.quant;

/**
 * The scalar helpers the i-quant kernels share, with ggml's exact semantics: {@code nearest_int}'s
 * float trick (including what it returns out of range), and C's {@code MAX}/{@code MIN} macros, which
 * differ from {@link Math#max} on -0.0 and NaN.
 */
final class IQMath {
    private IQMath() {
    }

    /** ggml's {@code nearest_int}: round half to even through the mantissa of {@code f + 1.5 * 2^23}. */
    static int nearestInt(float f) {
        float shifted = f + 12582912f;
        return (Float.floatToRawIntBits(shifted) & 0x007fffff) - 0x00400000;
    }

    /** C's {@code MAX(a, b)}: {@code a > b ? a : b}. */
    static float max(float a, float b) {
        return a > b ? a : b;
    }

    static int clamp(int value, int lowest, int highest) {
        return Math.max(lowest, Math.min(highest, value));
    }

    static float sqrtf(float f) {
        return (float) Math.sqrt(f); // the double square root rounds to the same float as sqrtf
    }
}
