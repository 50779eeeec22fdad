package dev.quantforge.engine.runtime;

/**
 * Receives the full logits row of every scored position of a perplexity run, e.g. to compare a
 * quantized model with its source position by position (KL divergence).
 */
@FunctionalInterface
public interface LogitsConsumer {
    /**
     * @param scoredIndex position in the run's order of scored tokens (0, 1, 2, ...), the same for
     *                    every model run on the same text with the same tokenizer and context
     * @param target      the token these logits predict
     * @param logits      {@code n_vocab} raw logits; the array is reused for the next position, so copy it to keep it
     */
    void accept(int scoredIndex, int target, float[] logits);
}
