package dev.quantforge.engine.onnx.quantize;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ORT's Percentile calibration with its defaults (99.999, 2048 bins, symmetric). The expected ranges were computed
 * with calibrate.py's {@code collect_absolute_value} and {@code compute_percentile} steps under numpy 2.4 on the
 * same data, not with this class.
 */
class PercentileHistogramTest {

    private static float[] data(int n, boolean outlier) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((i * 7919L) % 20011 - 10005) / 1000f;
            if (i % 997 == 0) {
                v[i] = v[i] * 0.25f;
            }
        }
        if (outlier) {
            v[n / 2] = 77.5f;
        }
        return v;
    }

    private static void check(float[] values, int lowBits, int highBits) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        float absMin = Float.POSITIVE_INFINITY;
        float absMax = 0;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            absMin = Math.min(absMin, Math.abs(v));
            absMax = Math.max(absMax, Math.abs(v));
        }
        PercentileHistogram h = new PercentileHistogram(min, max, absMin, absMax);
        for (float v : values) {
            h.add(v);
        }
        float[] range = h.range();
        assertEquals(lowBits, Float.floatToRawIntBits(range[0]), "low " + range[0]);
        assertEquals(highBits, Float.floatToRawIntBits(range[1]), "high " + range[1]);
    }

    @Test
    void anOutlierAboveTheCutKeepsTheTopBinsEdgeAndTheLowEndIsClampedToTheData() {
        // 1 in 50,000 is more than the 0.001 % cut: e is the last bin's left edge, 77.46216; -e is below min
        check(data(50_000, true), -1054862213, 1117449376);
    }

    @Test
    void withoutOutlierTheRangeIsSymmetric() {
        // e = 10.000114 (an edge), inside the data's -10.005..10.005 on both sides
        check(data(50_000, false), -1054867336, 1092616312);
    }

    @Test
    void anOutlierBelowTheCutIsCutOff() {
        // 1 in 300,001 is under the cut: the range is -9.990234..9.990234 instead of reaching 77.5
        check(data(300_001, true), -1054877696, 1092605952);
    }
}
