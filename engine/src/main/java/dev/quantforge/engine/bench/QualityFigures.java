package dev.quantforge.engine.bench;

/**
 * How far a variant's predictions are from its source's on one evaluation text, the statistics of
 * llama.cpp's {@code llama-perplexity --kl-divergence}.
 *
 * @param scoredTokens                 positions scored for perplexity (every text token of the evaluation text)
 * @param comparedPositions            positions the distributions were compared at: all, or an evenly spaced
 *                                     sample when the reference was kept within its size budget
 * @param sourcePerplexity             perplexity of the source
 * @param perplexity                   perplexity of the variant
 * @param perplexityIncreasePercent    {@code 100 * (perplexity / sourcePerplexity - 1)}
 * @param meanKld                      mean over positions of KL(source || variant), in nats
 * @param medianKld                    median of the same
 * @param p99Kld                       99th percentile of the same
 * @param maxKld                       largest of the same
 * @param sameTopPercent               positions where both models' most likely token is the same, in percent
 * @param rmsDeltaProbabilityPercent   root mean square of p_variant(correct) - p_source(correct), in percent
 * @param referenceTopK                most likely source tokens stored per position (the rest as one bucket)
 */
public record QualityFigures(int scoredTokens, int comparedPositions, double sourcePerplexity, double perplexity, double perplexityIncreasePercent,
                             double meanKld, double medianKld, double p99Kld, double maxKld, double sameTopPercent,
                             double rmsDeltaProbabilityPercent, int referenceTopK) {

    public QualityFigures {
        if (scoredTokens < 1) {
            throw new IllegalArgumentException("no token was scored");
        }
        if (comparedPositions < 1 || comparedPositions > scoredTokens) {
            throw new IllegalArgumentException("compared positions must be 1.." + scoredTokens + ", got " + comparedPositions);
        }
        if (!(sourcePerplexity >= 1) || !(perplexity >= 1)) {
            throw new IllegalArgumentException("perplexities must be at least 1, got " + sourcePerplexity + " and " + perplexity);
        }
        if (!(sameTopPercent >= 0 && sameTopPercent <= 100)) {
            throw new IllegalArgumentException("same-top share must be 0..100 %, got " + sameTopPercent);
        }
    }
}
