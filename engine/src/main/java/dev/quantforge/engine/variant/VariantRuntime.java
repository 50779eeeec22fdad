package dev.quantforge.engine.variant;

import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.model.ModelSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The runtime a format's variants are benchmarked on. */
public interface VariantRuntime {

    /**
     * Measures {@code variant}: size, tensor errors and quality against {@code source} (when given) and speed.
     *
     * @param source    the source's weights, or null to measure the variant alone
     * @param reference the source's reference logits on {@code paragraphs}, or null for no quality figures
     */
    BenchmarkReport benchmark(Path variant, ModelSource source, long sourceBytes, List<String> paragraphs,
                              ReferenceLogits reference, VariantBenchmark.Options options,
                              VariantBenchmark.Progress progress, BooleanSupplier cancelled);
}
