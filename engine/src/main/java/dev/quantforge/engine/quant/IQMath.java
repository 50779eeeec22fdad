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

    /**
     * The grids store 8 magnitudes and 7 sign bits, the eighth implied by an even count of negatives.
     * Writes the magnitudes of {@code x[xo..xo+7]} to {@code xval[vo..]} and returns the 7 stored sign
     * bits; with an odd count, the sign whose flip costs least ({@code weight * x^2}, ties to the
     * first) is flipped, in the magnitudes too, as ggml does.
     */
    static int evenParitySigns(float[] x, int xo, float[] weight, int wo, float[] xval, int vo) {
        int nflip = 0;
        int signs = 0;
        for (int i = 0; i < 8; i++) {
            float v = x[xo + i];
            if (v >= 0) {
                xval[vo + i] = v;
            } else {
                xval[vo + i] = -v;
                nflip++;
                signs |= 1 << i;
            }
        }
        if (nflip % 2 != 0) {
            int imin = 0;
            float min = weight[wo] * x[xo] * x[xo];
            for (int i = 1; i < 8; i++) {
                float ax = weight[wo + i] * x[xo + i] * x[xo + i];
                if (ax < min) {
                    min = ax;
                    imin = i;
                }
            }
            xval[vo + imin] = -xval[vo + imin];
            signs ^= 1 << imin;
        }
        return signs & 127;
    }
}
