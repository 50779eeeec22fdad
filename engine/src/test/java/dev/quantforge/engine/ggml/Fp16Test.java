package dev.quantforge.engine.ggml;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Fp16Test {

    /** A plain bit-by-bit round-to-nearest-even conversion, to check the fast one against. */
    private static short reference(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) {
            return (short) (sign | 0x7E00);
        }
        if (abs >= 0x477FF000) {
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x38800000) {
            int half = (((abs >>> 23) - 112) << 10) | ((abs & 0x007FFFFF) >>> 13);
            int rest = abs & 0x1FFF;
            if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        if (abs < 0x33000000) {
            return (short) sign;
        }
        int shift = 126 - (abs >>> 23);
        int mantissa = (abs & 0x007FFFFF) | 0x00800000;
        int half = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    @Test
    void roundsEveryFloatLikeTheReference() {
        // every 7th bit pattern: all exponents, both signs, ties and subnormals included
        for (long i = 0; i < (1L << 32); i += 7) {
            float f = Float.intBitsToFloat((int) i);
            assertEquals(reference(f), Fp16.fromFloat(f), () -> Float.toString(f));
        }
    }

    @Test
    void halfToFloatIsExactForEveryHalf() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Fp16.toFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, Fp16.fromFloat(f), "half " + h);
            }
        }
    }
}
