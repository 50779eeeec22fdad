package dev.quantforge.engine.quant;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The table and midpoint shortcuts the quantizers use pick exactly the code ggml's own searches pick,
 * including at exact ties, next to midpoints, for subnormal scales and for values far outside the grid.
 */
class FastNearestCodeTest {

    @Test
    void iq4LevelIndexMatchesGgmlBinarySearch() {
        Random random = new Random(7);
        for (byte a : Iq4NonLinear.LEVELS) {
            for (byte b : Iq4NonLinear.LEVELS) {
                float midpoint = (a + b) / 2f;
                for (float center : new float[] {midpoint, a}) {
                    int bits = Float.floatToRawIntBits(center);
                    for (int k = -3000; k <= 3000; k++) {
                        assertIq4Same(Float.intBitsToFloat(bits + k));
                    }
                }
            }
        }
        for (int i = 0; i < 2_000_000; i++) {
            assertIq4Same((float) (random.nextGaussian() * 80));
            assertIq4Same(Float.intBitsToFloat(random.nextInt()));
        }
        for (float x : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, -1e-30f}) {
            assertIq4Same(x);
        }
    }

    @Test
    void e2m1CodeMatchesGgmlScanForEveryScaleKind() {
        Random random = new Random(11);
        for (int scaleCode = 0; scaleCode < 512; scaleCode++) {
            float d = scaleCode < 256 ? MXFP4Codec.e8m0ToFloatHalf(scaleCode) : NVFP4Codec.ue4m3ToFloat(scaleCode - 256);
            double limit = E2m1.fastLimit(d);
            for (byte level : E2m1.LEVELS) {
                for (float center : new float[] {level * d, (level + 0.5f) * d, (level - 0.5f) * d, (level + 1) * d}) {
                    int bits = Float.floatToRawIntBits(center);
                    for (int k = -40; k <= 40; k++) {
                        assertE2m1Same(Float.intBitsToFloat(bits + k), d, limit);
                    }
                }
            }
            for (int i = 0; i < 4000; i++) {
                assertE2m1Same((float) (random.nextGaussian() * 6 * d), d, limit);
                assertE2m1Same((float) (random.nextDouble() * 80 - 40) * d, d, limit);
                assertE2m1Same(Float.intBitsToFloat(random.nextInt()), d, limit);
            }
            for (float x : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
                assertE2m1Same(x, d, limit);
            }
        }
    }

    @Test
    void ternaryRoundingMatchesC() {
        Random random = new Random(3);
        for (int i = 0; i < 2_000_000; i++) {
            float v = i % 2 == 0 ? (float) (random.nextGaussian() * 2) : Float.intBitsToFloat(random.nextInt());
            assertRoundSame(v);
        }
        for (float v = -8; v <= 8; v += 0.25f) {
            assertRoundSame(v);
            assertRoundSame(Math.nextUp(v));
            assertRoundSame(Math.nextDown(v));
        }
        for (float v : new float[] {0x1p22f + 0.5f, -0x1p22f - 0.5f, 0x1p31f, -0x1p31f, 0x1p63f, Float.NaN,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertRoundSame(v);
        }
    }

    private static void assertIq4Same(float x) {
        assertEquals(ggmlBestIndexInt8(x), Iq4NonLinear.bestIndex(x), () -> "x = " + x);
    }

    private static void assertE2m1Same(float x, float d, double limit) {
        assertEquals(E2m1.bestIndexByScan(x, d), E2m1.bestIndex(x, d, limit), () -> "x = " + x + ", d = " + d);
    }

    private static void assertRoundSame(float v) {
        double r = Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
        int viaLong = Math.abs(v) < 0x1p63f ? (int) (long) r : 0;
        int viaInt = r >= -0x1p31 && r < 0x1p31 ? (int) r : Integer.MIN_VALUE;
        assertEquals(viaLong, CRounding.lroundf(v), () -> "lroundf(" + v + ")");
        assertEquals(viaInt, CRounding.roundfToInt(v), () -> "(int) roundf(" + v + ")");
    }

    /** ggml's {@code best_index_int8} as written: two range checks, a binary search, a float comparison. */
    private static int ggmlBestIndexInt8(float x) {
        byte[] val = Iq4NonLinear.LEVELS;
        if (x <= val[0]) {
            return 0;
        }
        if (x >= val[15]) {
            return 15;
        }
        int ml = 0;
        int mu = 15;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < val[mav]) {
                mu = mav;
            } else {
                ml = mav;
            }
        }
        return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
    }
}
