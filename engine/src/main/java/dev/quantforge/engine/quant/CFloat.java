package dev.quantforge.engine.quant;

/**
 * C float operations whose Java counterparts differ at the edges, as ggml's x86-64 build executes them.
 * Float-to-integer conversion ({@code cvttss2si}) yields the "integer indefinite" {@code 0x80000000}
 * for NaN and out-of-range values where Java saturates, and a narrowing cast then keeps its low byte;
 * only NaN and out-of-range values (e.g. from an infinite reciprocal scale) take that path.
 */
final class CFloat {
    private static final float TWO_POW_31 = 2147483648f;

    private CFloat() {
    }

    /** {@code (int) f}: truncation toward zero. */
    static int truncate(float f) {
        return Math.abs(f) < TWO_POW_31 ? (int) f : Integer.MIN_VALUE;
    }

    /** {@code (int) roundf(f)}: rounds half away from zero. */
    static int roundHalfAway(float f) {
        float magnitude = Math.abs(f);
        if (!(magnitude < TWO_POW_31)) {
            return Integer.MIN_VALUE;
        }
        int rounded = (int) (magnitude + 0.5d); // exact in double: no double rounding at .5
        return f < 0 ? -rounded : rounded;
    }

    /** {@code fabsf}: clears the sign bit, of NaN too (Java 17's Math.abs keeps a NaN's sign when interpreted). */
    static float abs(float f) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) & 0x7FFFFFFF);
    }

    /**
     * ggml's {@code amax = MAX(amax, fabsf(x))} over {@code n} values from {@code from}: a NaN is kept only until a
     * later value replaces it, as C's comparison does.
     */
    static float maxAbs(float[] x, int from, int n) {
        float amax = 0.0f;
        for (int j = from; j < from + n; j++) {
            float a = abs(x[j]);
            amax = amax > a ? amax : a;
        }
        return amax;
    }
}
