package dev.quantforge.engine.quant;

/**
 * The FP4 (E2M1) element grid MXFP4 and NVFP4 share. ggml stores it doubled as integers
 * ({@code kvalues_mxfp4}) and halves the block scale instead, so every level is exact.
 */
final class E2m1 {
    /** ggml's {@code kvalues_mxfp4}: twice the E2M1 value of each 4-bit code (code 8 is -0). */
    static final byte[] LEVELS = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    /** Midpoints between consecutive non-negative levels, in units of the scale. */
    private static final double[] MIDPOINTS = {0.5, 1.5, 2.5, 3.5, 5, 7, 10};
    /** Below this many scales, the comparison with midpoints decides exactly what ggml's scan decides. */
    private static final double FAST_LIMIT = 64;

    private E2m1() {
    }

    /**
     * The decision points for scale {@code d}, into {@code bounds} (8 doubles): the midpoints times d
     * (exact in double), then the limit of the fast path: none where the top level times d overflows float.
     */
    static void bounds(float d, double[] bounds) {
        for (int i = 0; i < MIDPOINTS.length; i++) {
            bounds[i] = MIDPOINTS[i] * d;
        }
        bounds[MIDPOINTS.length] = d <= Float.MAX_VALUE / 12 ? FAST_LIMIT * d : 0;
    }

    /**
     * ggml's {@code best_index_mxfp4} for scale {@code d}, whose {@link #bounds} are given. Between two
     * levels (and a little past the top one) both candidate distances are exact in float, every other
     * candidate is farther by at least a scale, and a tie keeps the first (smaller) code: so the code is the
     * number of midpoints strictly below |x|, on the sign's side of the table. Anything else (zero scale,
     * huge or non-finite x, where float rounding makes distances tie) goes through ggml's own scan.
     */
    static int bestIndex(float x, float d, double[] bounds) {
        double ax = Math.abs((double) x);
        if (!(ax < bounds[7])) {
            return bestIndexByScan(x, d);
        }
        int k = (ax > bounds[0] ? 1 : 0) + (ax > bounds[1] ? 1 : 0) + (ax > bounds[2] ? 1 : 0)
                + (ax > bounds[3] ? 1 : 0) + (ax > bounds[4] ? 1 : 0) + (ax > bounds[5] ? 1 : 0)
                + (ax > bounds[6] ? 1 : 0);
        return k == 0 ? 0 : x < 0 ? 8 + k : k;
    }

    /** ggml's {@code best_index_mxfp4} verbatim: the code nearest {@code x}, the first one on a tie. */
    static int bestIndexByScan(float x, float e) {
        int bestIndex = 0;
        float bestErr = Math.abs(LEVELS[0] * e - x);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(LEVELS[i] * e - x);
            if (err < bestErr) {
                bestIndex = i;
                bestErr = err;
            }
        }
        return bestIndex;
    }
}
