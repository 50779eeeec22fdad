package dev.quantforge.engine.ggml;

/**
 * IEEE 754 half precision as ggml converts it: float32 → half rounds to nearest even (what both
 * F16C's {@code vcvtps2ph} and ggml's portable fallback do); half → float32 is exact.
 */
public final class Fp16 {
    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < TO_FLOAT.length; h++) {
            TO_FLOAT[h] = decode((short) h);
        }
    }

    private Fp16() {
    }

    public static float toFloat(short half) {
        return TO_FLOAT[half & 0xFFFF];
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) {
            return (short) (sign | 0x7E00); // NaN: canonical quiet NaN, as ggml produces
        }
        if (abs >= 0x477FF000) {
            return (short) (sign | 0x7C00); // rounds to or beyond infinity
        }
        if (abs >= 0x38800000) { // normal half
            int mantissa = abs & 0x007FFFFF;
            int exponent = (abs >>> 23) - 127 + 15;
            int half = (exponent << 10) | (mantissa >>> 13);
            int rest = mantissa & 0x1FFF;
            if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
                half++; // may carry into the exponent, which is still correct
            }
            return (short) (sign | half);
        }
        if (abs < 0x33000000) {
            return (short) sign; // below half the smallest subnormal: zero (ties-to-even at exactly 2^-25 → 0)
        }
        // subnormal half: value = m * 2^-24
        int exponent = abs >>> 23;
        int mantissa = (abs & 0x007FFFFF) | 0x00800000;
        int shift = 126 - exponent; // 14 + (113 - exponent) - ... so that mantissa >> (shift) gives half units
        int half = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    private static float decode(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1.0p-24f; // exact: mantissa < 2^10
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
