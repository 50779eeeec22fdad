package dev.quantforge.engine.quantize;

/** Hears about a model being written; calls come from one thread, in order. */
public interface QuantizeProgress {

    QuantizeProgress NONE = new QuantizeProgress() {
    };

    /** Tensor {@code index} (0-based) of {@code count} starts. */
    default void tensorStarted(int index, int count, TensorJob job) {
    }

    /** {@code done} of {@code total} source bytes are processed. */
    default void bytesProcessed(long done, long total) {
    }

    default void finished(QuantizeResult result) {
    }
}
