package dev.quantforge.engine.quant;

/**
 * The extremes ggml's legacy reference quantizers search a block for, with ggml's exact tie and NaN
 * behaviour, found without data-dependent branches: a float's bit pattern, read as an int, orders
 * magnitudes (and, after {@link #orderKey}, values) like the floats themselves, and int max/min compile
 * to conditional moves. The rare blocks where that order and ggml's loop could disagree (zeros of either
 * sign, ties between {@code +a} and {@code -a}, NaN, infinities) take ggml's loop itself.
 */
final class BlockExtremes {
    private static final int MAGNITUDE = 0x7FFFFFFF;
    private static final int INFINITY_BITS = 0x7F800000;

    private BlockExtremes() {
    }

    /**
     * The value of largest magnitude, as ggml's {@code if (amax < fabsf(v)) { amax = fabsf(v); max = v; }}
     * finds it from {@code amax = max = 0}: the first of equal magnitudes, never NaN, +0.0 for a zero block.
     */
    static float signedAbsMax(float[] x, int offset, int n) {
        int positive = Integer.MIN_VALUE; // largest magnitude among non-negative values, as bits
        int negative = Integer.MIN_VALUE; // largest magnitude among negative values
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(x[offset + i]);
            positive = Math.max(positive, bits);
            negative = Math.max(negative, bits ^ Integer.MIN_VALUE);
        }
        int magnitude = Math.max(positive, negative);
        if (positive == negative || magnitude == 0 || magnitude > INFINITY_BITS) {
            return signedAbsMaxInOrder(x, offset, n);
        }
        return Float.intBitsToFloat(positive > negative ? magnitude : magnitude | Integer.MIN_VALUE);
    }

    private static float signedAbsMaxInOrder(float[] x, int offset, int n) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int i = 0; i < n; i++) {
            float v = x[offset + i];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /**
     * The largest magnitude in the block, or NaN if the block holds a NaN: there ggml's
     * {@code amax = MAX(amax, fabsf(v))} lets the NaN reset its running maximum, so the caller must
     * follow ggml's loop in order.
     */
    static float absMax(float[] x, int offset, int n) {
        int magnitude = 0;
        for (int i = 0; i < n; i++) {
            magnitude = Math.max(magnitude, Float.floatToRawIntBits(x[offset + i]) & MAGNITUDE);
        }
        return magnitude > INFINITY_BITS ? Float.NaN : Float.intBitsToFloat(magnitude);
    }

    /**
     * ggml's {@code if (v < min) min = v; if (v > max) max = v;} from {@code min = FLT_MAX, max = -FLT_MAX}:
     * stores the minimum in {@code minMax[0]} and the maximum in {@code minMax[1]}.
     */
    static void minMax(float[] x, int offset, int n, float[] minMax) {
        int low = Integer.MAX_VALUE;
        int high = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            int key = orderKey(Float.floatToRawIntBits(x[offset + i]));
            low = Math.min(low, key);
            high = Math.max(high, key);
        }
        float min = Float.intBitsToFloat(orderKey(low));
        float max = Float.intBitsToFloat(orderKey(high));
        // In order: which zero comes first; NaN, which ggml skips; a side with only infinities and NaN,
        // where ggml keeps its FLT_MAX start.
        if (min == 0 || max == 0 || !(min < Float.POSITIVE_INFINITY) || !(max > Float.NEGATIVE_INFINITY)) {
            min = Float.MAX_VALUE;
            max = -Float.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                float v = x[offset + i];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
        }
        minMax[0] = min;
        minMax[1] = max;
    }

    /** Maps float bits to an int with the same order (its own inverse); -0.0 sorts below +0.0. */
    private static int orderKey(int bits) {
        return bits ^ ((bits >> 31) & MAGNITUDE);
    }
}
