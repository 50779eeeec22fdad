package dev.quantforge.worker.bench;

import dev.quantforge.engine.bench.VariantBenchmark;

import java.util.Objects;

/**
 * How the worker benchmarks its variants.
 *
 * @param enabled          false skips the stage for tasks without quality gates
 * @param options          llama.cpp threads and the speed runs
 * @param topK             most likely source tokens kept per position in the reference logits
 * @param maxEvalTextBytes largest evaluation text a job may name
 */
public record BenchmarkSettings(boolean enabled, VariantBenchmark.Options options, int topK, long maxEvalTextBytes) {
    public BenchmarkSettings {
        Objects.requireNonNull(options, "options");
        if (topK < 1) {
            throw new IllegalArgumentException("reference top-k must be at least 1, got " + topK);
        }
        if (maxEvalTextBytes < 1) {
            throw new IllegalArgumentException("the evaluation text limit must be at least 1 byte, got " + maxEvalTextBytes);
        }
    }
}
