package dev.quantforge.engine.quant;

/** C rounding the ternary and 2-bit quantizers depend on (lroundf, roundf), with x86-64's answers for NaN and overflow. */
final class CRounding {
    private static final float SMALL = 0x1p22f;
    /** Below this magnitude the answer is -1, 0 or 1, which is all a ternary code ever needs. */
    private static final float TRIT = 1.5f;

    private CRounding() {
    }

    /**
     * {@code (int) lroundf(v)}: half away from zero. NaN and out-of-range values give LONG_MIN on x86-64,
     * whose low 32 bits are 0.
     */
    static int lroundf(float v) {
        if (Math.abs(v) < TRIT) {
            return trit(v);
        }
        if (Math.abs(v) < SMALL) {
            return roundSmall(v);
        }
        if (!(Math.abs(v) < 0x1p63f)) {
            return 0;
        }
        return (int) (long) roundf(v);
    }

    /** {@code (int) roundf(v)}: half away from zero; NaN and out-of-range give INT_MIN, as cvttss2si does. */
    static int roundfToInt(float v) {
        if (Math.abs(v) < TRIT) {
            return trit(v);
        }
        if (Math.abs(v) < SMALL) {
            return roundSmall(v);
        }
        double r = roundf(v);
        return r >= -0x1p31 && r < 0x1p31 ? (int) r : Integer.MIN_VALUE;
    }

    /** Half away from zero for |v| < 1.5 without a data-dependent branch: ±1 from |v| >= 0.5 and the sign bit. */
    private static int trit(float v) {
        int bits = Float.floatToRawIntBits(v);
        int magnitude = ((bits & 0x7FFFFFFF) - 0x3F000000) >>> 31 ^ 1; // |v| >= 0.5 (bit patterns order like values)
        int sign = bits >> 31; // 0 or -1
        return (magnitude ^ sign) - sign;
    }

    /** Half away from zero for |v| < 2^22, where the fraction v - trunc(v) is exact. */
    private static int roundSmall(float v) {
        int t = (int) v;
        float fraction = v - t;
        return t + (fraction >= 0.5f ? 1 : 0) - (fraction <= -0.5f ? 1 : 0);
    }

    /** C's {@code roundf}; adding 0.5 in double is exact for every float that is not already an integer. */
    private static double roundf(float v) {
        return Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
