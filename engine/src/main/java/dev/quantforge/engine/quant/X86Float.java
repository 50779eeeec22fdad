package dev.quantforge.engine.quant;

/**
 * C's float-to-integer conversions as ggml's x86-64 build executes them ({@code cvttss2si}): where Java
 * saturates, x86 yields the "integer indefinite" {@code 0x80000000}, whose low byte a narrowing cast
 * then keeps. Only NaN and out-of-range values (e.g. an infinite reciprocal scale) take that path.
 */
final class X86Float {
    private static final float TWO_POW_31 = 2147483648f;

    private X86Float() {
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
}
