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
        // Branch-free (half of all roundings go up, so a rounding branch is mispredicted half the time):
        // the float adder does the rounding. |f| is first scaled so that overflow reaches infinity and
        // values below half precision's range lose their extra bits, then a bias aligns the binary point
        // at half precision's last mantissa bit (for subnormal halves, at 2^-24) and the add rounds to even.
        int bits = Float.floatToRawIntBits(f);
        int abs = bits & 0x7FFFFFFF;
        float scaled = Float.intBitsToFloat(abs) * 0x1.0p+112f * 0x1.0p-110f;
        int exponent = Math.max(abs >>> 23, 0x71);
        float rounded = Float.intBitsToFloat((exponent << 23) + 0x07800000) + scaled;
        int roundedBits = Float.floatToRawIntBits(rounded);
        int half = ((roundedBits >>> 13) & 0x7C00) + (roundedBits & 0x0FFF);
        int sign = (bits >>> 16) & 0x8000;
        return (short) (sign | (abs > 0x7F800000 ? 0x7E00 : half)); // NaN: canonical quiet NaN, as ggml produces
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
