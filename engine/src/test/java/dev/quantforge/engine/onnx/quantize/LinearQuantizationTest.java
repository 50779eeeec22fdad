package dev.quantforge.engine.onnx.quantize;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ORT's quant_utils rules on hostile rows. The expected scales (as float32 bits), zero points and quantized values
 * were computed with quant_utils' {@code compute_scale_zp} and {@code quantize_nparray} transcribed to numpy 2.4 (the
 * same float32/float64 steps), not with this class.
 */
class LinearQuantizationTest {

    private static void check(float[] row, QuantType type, boolean symmetric, boolean reduceRange, int scaleBits,
                              int zeroPoint, int... expected) {
        QuantParams p = LinearQuantization.paramsFor(row, 0, row.length, 1, type, symmetric, reduceRange);
        assertEquals(scaleBits, Float.floatToRawIntBits(p.scale()), "scale " + p.scale());
        assertEquals(zeroPoint, p.zeroPoint(), "zero point");
        int[] q = new int[row.length];
        for (int i = 0; i < row.length; i++) {
            q[i] = LinearQuantization.quantize(row[i], p, type);
        }
        assertArrayEquals(expected, q);
    }

    @Test
    void allZeroRowsGetScaleOneAndZeroPointZero() {
        check(new float[]{0, 0, 0}, QuantType.INT8, true, false, 1065353216, 0, 0, 0, 0);
        check(new float[]{0, 0, 0}, QuantType.UINT8, false, false, 1065353216, 0, 0, 0, 0);
    }

    @Test
    void allNegativeRowsStretchTheRangeToZero() {
        check(new float[]{-3, -1, -0.25f}, QuantType.UINT8, false, false, 1010876609, 255, 0, 170, 234);
        check(new float[]{-3, -1, -0.25f}, QuantType.INT8, true, false, 1019314950, 0, -127, -42, -11);
        check(new float[]{0.5f, 2, 7.25f}, QuantType.UINT8, false, false, 1021896937, 0, 18, 70, 255);
    }

    @Test
    void oneOutlierTakesTheWholeRange() {
        check(new float[]{0.01f, -0.02f, 0.015f, 100}, QuantType.INT8, true, false, 1061786406, 0, 0, 0, 0, 127);
        check(new float[]{0.01f, -0.02f, 0.015f, 100}, QuantType.UINT8, false, false, 1053348624, 0, 0, 0, 0, 255);
    }

    @Test
    void tiesRoundHalfToEvenInValuesAndZeroPoints() {
        // scale 1: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -0.5 -> 0 (half away from zero would differ)
        check(new float[]{127, 0.5f, 1.5f, 2.5f, 3.5f, -2.5f, -0.5f}, QuantType.INT8, true, false, 1065353216, 0,
                127, 0, 2, 2, 4, -2, 0);
        // zero point round(0 - (-2.5) / 1) = 2, and 252.5 -> 252 + 2
        check(new float[]{-2.5f, 252.5f, 0}, QuantType.UINT8, false, false, 1065353216, 2, 0, 254, 2);
    }

    @Test
    void reduceRangeIsSevenBitsAndWinsOverSymmetric() {
        check(new float[]{-1, 0.5f, 0.25f, 0.0078125f}, QuantType.INT8, true, true, 1015021568, 0, -64, 32, 16, 0);
        check(new float[]{-1, 0.5f}, QuantType.UINT8, false, true, 1010926342, 85, 0, 127);
    }

    @Test
    void nanFreeExtremesFollowFloat32Arithmetic() {
        // max - (-max) overflows float32 to inf, as in numpy: ORT's scale is inf and every value quantizes to 0
        check(new float[]{Float.MAX_VALUE, -Float.MAX_VALUE, 1}, QuantType.INT8, true, false, 2139095040, 0, 0, 0, 0);
        check(new float[]{Float.MAX_VALUE, 0, 1e38f}, QuantType.UINT8, false, false, 2072019072, 0, 255, 0, 75);
        // a range below float32's smallest normal is no range: scale 1, zero point 0
        check(new float[]{1e-39f, 0}, QuantType.UINT8, false, false, 1065353216, 0, 0, 0);
    }

    @Test
    void asymmetricUint8OnAMixedRow() {
        check(new float[]{-0.7f, 0.3f, 1.1f, -0.05f, 0f}, QuantType.UINT8, false, false, 1005014452, 99, 0, 142, 255, 92, 99);
    }

    @Test
    void symmetricUint8OverTheFullRangeCentresOn128() {
        // what ORT versions before the symmetric uint8 range (0..254) wrote for Gather tables: round(127.5) = 128
        QuantParams p = LinearQuantization.scaleAndZeroPoint(-1.0494f, 0.3f, 0, 255, true);
        assertEquals(1007081879, Float.floatToRawIntBits(p.scale()));
        assertEquals(128, p.zeroPoint());
    }

    @Test
    void valuesClipToTheFullTypeRangeNotTheSymmetricOne() {
        QuantParams one = new QuantParams(1f, 0);
        assertEquals(127, LinearQuantization.quantize(200f, one, QuantType.INT8));
        assertEquals(-128, LinearQuantization.quantize(-200f, one, QuantType.INT8));
        assertEquals(0, LinearQuantization.quantize(-3f, one, QuantType.UINT8));
    }

    @Test
    void rangesAndGuards() {
        assertArrayEquals(new int[]{-127, 127}, QuantType.INT8.range(false, true));
        assertArrayEquals(new int[]{0, 254}, QuantType.UINT8.range(false, true));
        assertArrayEquals(new int[]{0, 127}, QuantType.UINT8.range(true, true));
        assertThrows(IllegalArgumentException.class, () -> LinearQuantization.scaleAndZeroPoint(0, 1, 1, 255, false));
        assertFalse(LinearQuantization.allFinite(new float[]{1, Float.NaN}));
        assertFalse(LinearQuantization.allFinite(new float[]{Float.NEGATIVE_INFINITY}));
        assertTrue(LinearQuantization.allFinite(new float[]{Float.MAX_VALUE, -0f}));
    }
}
