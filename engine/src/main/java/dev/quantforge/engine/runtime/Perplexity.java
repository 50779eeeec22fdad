package dev.quantforge.engine.runtime;

import java.util.List;

/**
 * Negative log-likelihood of an evaluation text, per paragraph and overall. Each paragraph is scored
 * in windows of {@code [BOS] + text_ids[s : s + ctx - 1]}; every text token is scored exactly once.
 */
public record Perplexity(int contextLength, List<Paragraph> paragraphs) {

    public Perplexity {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        paragraphs = List.copyOf(paragraphs);
        if (paragraphs.isEmpty()) {
            throw new IllegalArgumentException("no paragraph was scored");
        }
    }

    /** {@code nllSum} is the sum of {@code -ln softmax(logits)[next]} over the paragraph's text tokens. */
    public record Paragraph(int index, int textTokens, int windows, double nllSum) {
        public Paragraph {
            if (textTokens < 1 || windows < 1 || !(nllSum >= 0)) {
                throw new IllegalArgumentException("invalid paragraph score: " + textTokens + " tokens, "
                        + windows + " windows, nll " + nllSum);
            }
        }

        public double meanNll() {
            return nllSum / textTokens;
        }

        public double ppl() {
            return Math.exp(meanNll());
        }
    }

    public int textTokens() {
        return paragraphs.stream().mapToInt(Paragraph::textTokens).sum();
    }

    public double nllSum() {
        return paragraphs.stream().mapToDouble(Paragraph::nllSum).sum();
    }

    public double meanNll() {
        return nllSum() / textTokens();
    }

    /** Over all tokens: {@code exp(total nll / total tokens)}, not a mean of paragraph perplexities. */
    public double ppl() {
        return Math.exp(meanNll());
    }
}
