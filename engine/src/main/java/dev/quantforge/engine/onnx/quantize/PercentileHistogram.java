package dev.quantforge.engine.onnx.quantize;

/**
 * ONNX Runtime's Percentile calibration of one tensor with its defaults (calibrate.py's {@code create_calibrator}:
 * 2048 bins, percentile 99.999, symmetric): HistogramCollector's {@code collect_absolute_value} then
 * {@code compute_percentile}, over all calibration values at once (ORT collects every example in one call):
 * <ul>
 *   <li>a histogram of {@code |x|} with 2048 bins over {@code [min |x|, max |x|]}: numpy's edges, computed in float64
 *       ({@code i * step + first}, last edge {@code max |x|}; an empty range widens by 0.5 each side) and stored as
 *       float32; a value falls in the bin whose float32 edges hold it, the last bin closed;</li>
 *   <li>{@code cdf = cumsum(hist / total)} in float64; {@code e = edges[searchsorted(cdf, 0.99999)]}; the range is
 *       {@code [-e, e]} clamped to the data's own min and max.</li>
 * </ul>
 * The bounds of {@code |x|} and of {@code x} come from a first pass over the same data.
 */
final class PercentileHistogram {
    static final int BINS = 2048;
    static final double PERCENTILE = 99.999;

    private final float min;
    private final float max;
    private final float[] edges = new float[BINS + 1];
    private final long[] counts = new long[BINS];
    private final double first;
    private final double last;

    /** {@code min}/{@code max} of the values, {@code absMin}/{@code absMax} of their magnitudes. */
    PercentileHistogram(float min, float max, float absMin, float absMax) {
        this.min = min;
        this.max = max;
        double low = absMin;
        double high = absMax;
        if (low == high) {
            low -= 0.5;
            high += 0.5;
        }
        first = low;
        last = high;
        double step = (high - low) / BINS;
        for (int i = 0; i < BINS; i++) {
            edges[i] = (float) (i * step + low);
        }
        edges[BINS] = (float) high;
    }

    void add(float value) {
        float v = Math.abs(value);
        if (!(v >= first && v <= last)) {
            return; // outside the range (or NaN): numpy's histogram drops it
        }
        int i = (int) ((v - first) / (last - first) * BINS);
        i = Math.min(Math.max(i, 0), BINS - 1);
        while (i > 0 && v < edges[i]) {
            i--;
        }
        while (i < BINS - 1 && v >= edges[i + 1]) {
            i++;
        }
        counts[i]++;
    }

    /** {@code {low, high}}. */
    float[] range() {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double target = PERCENTILE / 100.0;
        double cdf = 0;
        int index = BINS;
        for (int i = 0; i < BINS; i++) {
            cdf += (double) counts[i] / total;
            if (cdf >= target) {
                index = i;
                break;
            }
        }
        float e = edges[index];
        return new float[]{Math.max(-e, min), Math.min(e, max)};
    }
}
