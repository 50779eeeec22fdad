package dev.quantforge.engine.quant;

/**
 * Scalar helpers the i-quant kernels share, with C's semantics: its {@code MAX} macro differs from
 * {@link Math#max} on -0.0 and NaN.
 */
final class IQMath {
    private IQMath() {
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
