package dev.quantforge.worker.bench;

import dev.quantforge.engine.bench.VariantBenchmark;

import java.util.Objects;

/**
 * How the worker benchmarks its variants.
 *
 * @param enabled          false skips the stage for tasks without quality gates
 * @param options          llama.cpp threads and the speed runs
 * @param maxEvalTextBytes largest evaluation text a job may name
 */
public record BenchmarkSettings(boolean enabled, VariantBenchmark.Options options, long maxEvalTextBytes) {
    public BenchmarkSettings {
        Objects.requireNonNull(options, "options");
        if (maxEvalTextBytes < 1) {
            throw new IllegalArgumentException("the evaluation text limit must be at least 1 byte, got " + maxEvalTextBytes);
        }
    }
}
