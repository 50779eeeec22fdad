package dev.quantforge.engine.onnx.quantize;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * quantize_bias_static's arithmetic on hostile rows; expected values computed with ORT's formula under numpy 2.4
 * ({@code bias_scale = input_scale * weight_scale * beta} on float32 arrays, then float64 division, round, clip).
 */
class BiasQuantizationTest {
    @Test
    void perChannelScalesAreFloat32ProductsAndValuesSaturate() {
        BiasQuantization.Int32Bias q = BiasQuantization.quantize(new float[]{1.0f, -2.5f, 123456.7f}, 0.1f,
                new float[]{0.3f, 0.007f, 1e-5f}, 0.5f);
        // numpy: [0.015000000596046448, 0.00035000001662410796, 4.999999987376214e-07]
        assertArrayEquals(new int[]{1014350480, 968327221, 889599933},
                new int[]{Float.floatToIntBits(q.scales()[0]), Float.floatToIntBits(q.scales()[1]), Float.floatToIntBits(q.scales()[2])});
        // 123456.7 / 5e-7 = 2.47e11 is clipped to int32's maximum, as ORT clips in float64
        assertArrayEquals(new int[]{67, -7143, Integer.MAX_VALUE}, q.values());
    }

    @Test
    void tiesRoundHalfToEvenAndNegativesSaturateLow() {
        BiasQuantization.Int32Bias q = BiasQuantization.quantize(new float[]{0.25f, 0.75f, -0.25f, 1.25f, -1e30f}, 1f,
                new float[]{0.5f}, 1f);
        assertArrayEquals(new float[]{0.5f}, q.scales());
        assertArrayEquals(new int[]{0, 2, 0, 2, Integer.MIN_VALUE}, q.values());
    }

    @Test
    void noInt32FormForZeroOrInfiniteScalesOrNonFiniteBiases() {
        assertNull(BiasQuantization.quantize(new float[]{1f}, 0.1f, new float[]{0.2f}, 0f), "beta 0");
        assertNull(BiasQuantization.quantize(new float[]{1f}, Float.MAX_VALUE, new float[]{4f}, 1f), "scale overflows");
        assertNull(BiasQuantization.quantize(new float[]{Float.NaN}, 0.1f, new float[]{0.2f}, 1f), "NaN bias");
        assertNull(BiasQuantization.quantize(new float[]{Float.POSITIVE_INFINITY}, 0.1f, new float[]{0.2f}, 1f), "inf bias");
        assertNull(BiasQuantization.quantize(new float[]{0f}, 1e-30f, new float[]{1e-30f}, 1f), "1e-60 underflows float32 to 0");
        // 1e-40 is a float32 subnormal, not 0: a scale (numpy keeps subnormals too)
        assertEquals(1, BiasQuantization.quantize(new float[]{1e-40f}, 1e-20f, new float[]{1e-20f}, 1f).values().length);
    }
}
