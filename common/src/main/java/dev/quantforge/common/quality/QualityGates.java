package dev.quantforge.common.quality;

import java.util.ArrayList;
import java.util.List;

/**
 * The quality bar of a hardware profile: each limit is optional (null = no limit). A variant over any
 * limit is REJECTED, with the failed figures as the reason. A figure that was not measured fails its
 * limit, since nobody can vouch for it.
 *
 * @param maxMeanKld                   largest mean KL divergence from the source
 * @param maxPerplexityIncreasePercent largest perplexity increase over the source, in percent
 * @param minSameTopPercent            smallest share of positions with the source's most likely token, in percent
 * @param minMeanOutputCosine          smallest mean cosine similarity of a non-LLM ONNX model's outputs to its source's
 *                                     ({@link BenchmarkSummary#meanOutputCosine()})
 */
public record QualityGates(Double maxMeanKld, Double maxPerplexityIncreasePercent, Double minSameTopPercent,
                           Double minMeanOutputCosine) {

    public static final QualityGates NONE = new QualityGates(null, null, null, null);

    /** The gates of an LLM profile (no output agreement). */
    public QualityGates(Double maxMeanKld, Double maxPerplexityIncreasePercent, Double minSameTopPercent) {
        this(maxMeanKld, maxPerplexityIncreasePercent, minSameTopPercent, null);
    }

    public QualityGates {
        requireNonNegative("maxMeanKld", maxMeanKld);
        requireNonNegative("maxPerplexityIncreasePercent", maxPerplexityIncreasePercent);
        requireNonNegative("minSameTopPercent", minSameTopPercent);
        if (minSameTopPercent != null && minSameTopPercent > 100) {
            throw new IllegalArgumentException("minSameTopPercent must be at most 100, got " + minSameTopPercent);
        }
        if (minMeanOutputCosine != null && !(minMeanOutputCosine >= -1 && minMeanOutputCosine <= 1)) {
            throw new IllegalArgumentException("minMeanOutputCosine must be in [-1, 1], got " + minMeanOutputCosine);
        }
    }

    /** Not named isEmpty: JSON mappers would write an "empty" member no reader knows. */
    public boolean hasLimits() {
        return maxMeanKld != null || maxPerplexityIncreasePercent != null || minSameTopPercent != null
                || minMeanOutputCosine != null;
    }

    /** The limits {@code figures} does not meet; empty when the variant passes. */
    public List<GateFailure> check(BenchmarkSummary figures) {
        List<GateFailure> failures = new ArrayList<>();
        atMost(failures, "mean KLD", figures.meanKld(), maxMeanKld);
        atMost(failures, "perplexity increase %", figures.perplexityIncreasePercent(), maxPerplexityIncreasePercent);
        if (minSameTopPercent != null) {
            double measured = figures.sameTopPercent() == null ? Double.NaN : figures.sameTopPercent();
            if (!(measured >= minSameTopPercent)) {
                failures.add(new GateFailure("same-top %", measured, minSameTopPercent, false));
            }
        }
        if (minMeanOutputCosine != null) {
            double measured = figures.meanOutputCosine() == null ? Double.NaN : figures.meanOutputCosine();
            if (!(measured >= minMeanOutputCosine)) {
                failures.add(new GateFailure("mean output cosine", measured, minMeanOutputCosine, false));
            }
        }
        return List.copyOf(failures);
    }

    private static void atMost(List<GateFailure> failures, String figure, Double measured, Double limit) {
        if (limit == null) {
            return;
        }
        double value = measured == null ? Double.NaN : measured;
        if (!(value <= limit)) {
            failures.add(new GateFailure(figure, value, limit, true));
        }
    }

    private static void requireNonNegative(String name, Double value) {
        if (value != null && !(value >= 0)) {
            throw new IllegalArgumentException(name + " must be a non-negative number, got " + value);
        }
    }
}
