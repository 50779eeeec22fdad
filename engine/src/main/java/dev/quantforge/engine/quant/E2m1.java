package dev.quantforge.engine.quant;

/**
 * The FP4 (E2M1) element grid MXFP4 and NVFP4 share. ggml stores it doubled as integers
 * ({@code kvalues_mxfp4}) and halves the block scale instead, so every level is exact.
 */
final class E2m1 {
    /** ggml's {@code kvalues_mxfp4}: twice the E2M1 value of each 4-bit code (code 8 is -0). */
    static final byte[] LEVELS = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    /** Below this many scales, comparing with the midpoints decides exactly what ggml's scan decides. */
    private static final double FAST_LIMIT = 64;

    /**
     * The code among 0..7 by ceil(2|x|/d): how many midpoints between consecutive non-negative levels
     * (2|x|/d = 1, 3, 5, 7, 10, 14, 20) lie strictly below; a tie stays on the smaller level, as in ggml.
     */
    private static final byte[] CODE_BY_CEIL_2Y = new byte[(int) (2 * FAST_LIMIT) + 1];

    static {
        for (int c = 0; c < CODE_BY_CEIL_2Y.length; c++) {
            int code = 0;
            while (code < 7 && c > LEVELS[code] + LEVELS[code + 1]) {
                code++;
            }
            CODE_BY_CEIL_2Y[c] = (byte) code;
        }
    }

    private E2m1() {
    }

    /** How far (in scales) the shortcut of {@link #bestIndex} holds for scale {@code d}: nowhere if 12d overflows. */
    static double fastLimit(float d) {
        return d <= Float.MAX_VALUE / 12 ? FAST_LIMIT : 0;
    }

    /**
     * ggml's {@code best_index_mxfp4} for scale {@code d}. Between two levels (and a little past the top
     * one) both candidate distances are exact in float, every other candidate is farther by at least a
     * scale, and a tie keeps the first (smaller) code: so the code is the number of midpoints strictly below
     * |x|, on the sign's side of the table. |x|/d in double keeps which side of a midpoint x lies on (the
     * quotient is exact at a midpoint and far from one otherwise). Anything else (zero scale, huge or
     * non-finite x, where float rounding makes distances tie) goes through ggml's own scan.
     */
    static int bestIndex(float x, float d, double fastLimit) {
        double y = Math.abs((double) x) / d;
        if (!(y < fastLimit)) {
            return bestIndexByScan(x, d);
        }
        int k = CODE_BY_CEIL_2Y[(int) Math.ceil(y + y)];
        // the negative half of the table (k + 8) for x < 0, but code 0 rather than 8 (-0) for k = 0; no branch
        int negative = (Float.floatToRawIntBits(x) >>> 31) & ((k + 7) >> 3);
        return k | negative << 3;
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
