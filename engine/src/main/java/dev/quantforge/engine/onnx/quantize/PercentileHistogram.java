package dev.quantforge.engine.onnx.quantize;

/**
 * ONNX Runtime's Percentile calibration of one tensor (calibrate.py, HistogramCollector with method "percentile",
 * not symmetric: {@code collect_value} then {@code compute_percentile}), over all calibration values at once:
 * <ul>
 *   <li>{@code threshold = max(|min|, |max|)} (float32); 2048 bins over {@code [-threshold, threshold]} with numpy's
 *       float32 edges ({@code linspace}: {@code i * step + start}, {@code step = 2 threshold / 2048}, last edge
 *       {@code threshold}; a zero threshold widens to {@code [-0.5, 0.5]}); a value falls in the bin whose edges
 *       hold it, the last bin closed;</li>
 *   <li>{@code cdf = cumsum(hist / total)} in float64; cutting {@code (100 - p) / 200} on each side, the range is
 *       {@code edges[searchsorted(cdf, cut)]} to {@code edges[searchsorted(cdf, 1 - cut)]}, clamped to the data's
 *       min and max.</li>
 * </ul>
 */
final class PercentileHistogram {
    static final int BINS = 2048;
    static final double PERCENTILE = 99.999;

    private final float min;
    private final float max;
    private final float[] edges = new float[BINS + 1];
    private final long[] counts = new long[BINS];

    /** The histogram's range comes from the data's min and max (a first pass over the same data). */
    PercentileHistogram(float min, float max) {
        this.min = min;
        this.max = max;
        float threshold = Math.max(Math.abs(min), Math.abs(max));
        float first = -threshold;
        float last = threshold;
        if (first == last) {
            first -= 0.5f;
            last += 0.5f;
        }
        float step = (last - first) / BINS;
        for (int i = 0; i < BINS; i++) {
            edges[i] = (float) i * step + first;
        }
        edges[BINS] = last;
    }

    void add(float v) {
        if (!(v >= edges[0] && v <= edges[BINS])) {
            return; // outside the range (or NaN): numpy's histogram drops it
        }
        int i = (int) ((v - edges[0]) / (edges[BINS] - edges[0]) * BINS);
        i = Math.min(Math.max(i, 0), BINS - 1);
        while (i > 0 && v < edges[i]) {
            i--;
        }
        while (i < BINS - 1 && v >= edges[i + 1]) {
            i++;
        }
        counts[i]++;
    }

    /** {@code {low, high}} at ORT's default percentile 99.999. */
    float[] range() {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double cut = (100.0 - PERCENTILE) / 200.0;
        float low = edges[searchSorted(total, cut)];
        float high = edges[searchSorted(total, 1.0 - cut)];
        return new float[]{Math.max(low, min), Math.min(high, max)};
    }

    /** numpy's searchsorted(cdf, v, side="left") on the running sum of {@code counts / total}. */
    private int searchSorted(long total, double v) {
        double cdf = 0;
        for (int i = 0; i < BINS; i++) {
            cdf += (double) counts[i] / total;
            if (cdf >= v) {
                return i;
            }
        }
        return BINS;
    }
}
