package dev.quantforge.worker.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.variant.Variants;
import dev.quantforge.worker.download.DownloadedSource;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.worker.storage.ObjectStore;

import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;

/**
 * The benchmark of a built variant: its evaluation text, the source's reference logits (from the cache
 * beside the source, or computed once), then size, tensor errors, quality and speed on the variant's runtime
 * ({@code Variants.runtimeFor}: llama.cpp for GGUF and MLX, ONNX Runtime's CPU execution provider for ONNX).
 */
public final class BenchmarkStage {
    /** Share of the stage's progress that computing a missing reference takes. */
    private static final double REFERENCE_SHARE = 0.3;
    private static final ReentrantLock LLAMA = new ReentrantLock();
    private static final long LOCK_POLL_MILLIS = 200;

    private final ObjectStore store;
    private final ReferenceCache references;
    private final BenchmarkSettings settings;

    public BenchmarkStage(ObjectStore store, BenchmarkSettings settings) {
        this.store = store;
        this.references = new ReferenceCache(store);
        this.settings = settings;
    }

    /** What the stage measured, with what, and how long it took. */
    public record Outcome(BenchmarkReport report, EvaluationText text, ReferenceCache.Reference reference, long millis) {
    }

    /** Whether {@code task} is benchmarked: when the worker benchmarks, and always when the task has quality gates. */
    public boolean appliesTo(TaskMessage task) {
        return settings.enabled() || task.gates().hasLimits();
    }

    /** The task's own evaluation text, or the bundled one; fetched before any work so that a bad one fails at once. */
    public EvaluationText text(TaskMessage task) {
        return task.evalText() == null ? EvaluationText.bundled()
                : EvaluationText.fetch(store, task.evalText(), settings.maxEvalTextBytes());
    }

    /**
     * @param variant     the built GGUF
     * @param variantName its file name, for reasons the user reads
     * @param progress    fraction 0..1 of the stage
     */
    public Outcome run(DownloadedSource source, EvaluationText text, Path variant, String variantName, Path scratch,
                       DoubleConsumer progress, BooleanSupplier stop) {
        awaitLlama(stop);
        long began = System.nanoTime();
        try {
            return measured(source, text, variant, variantName, scratch, progress, stop, began);
        } finally {
            LLAMA.unlock();
        }
    }

    /**
     * One benchmark at a time per process: speed runs that share the CPU with another benchmark measure
     * the sharing, not the variant (the engine serializes llama.cpp decodes anyway, since concurrent ones
     * give wrong logits on the bundled build). Builds still run side by side.
     */
    private static void awaitLlama(BooleanSupplier stop) {
        try {
            while (!LLAMA.tryLock(LOCK_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (stop.getAsBoolean()) {
                    throw new CancellationException("stopped while waiting to benchmark");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting to benchmark");
        }
    }

    private Outcome measured(DownloadedSource source, EvaluationText text, Path variant, String variantName, Path scratch,
                             DoubleConsumer progress, BooleanSupplier stop, long began) {
        // an ONNX model source has no next-token logits: its variant's outputs are compared with the source model's own
        ReferenceCache.Reference reference = source.format() == SourceFormat.ONNX
                ? new ReferenceCache.Reference(null, source.uri(), true)
                : references.obtain(source.format(), source.uri(), source.objects(),
                source.local(), source.bytes(), text, settings.options().threads(), scratch, stop);
        double from = reference.reused() ? 0 : REFERENCE_SHARE;
        progress.accept(from);
        if (stop.getAsBoolean()) {
            throw new CancellationException("stopped before benchmarking " + variantName);
        }
        try (ModelSource weights = ModelSources.open(source.local())) {
            BenchmarkReport report = measure(variant, variantName, weights, source.bytes(), text, reference,
                    f -> progress.accept(from + f * (1 - from)), stop);
            return new Outcome(report, text, reference, (System.nanoTime() - began) / 1_000_000);
        }
    }

    private BenchmarkReport measure(Path variant, String variantName, ModelSource weights, long sourceBytes,
                                    EvaluationText text, ReferenceCache.Reference reference, VariantBenchmark.Progress progress,
                                    BooleanSupplier stop) {
        try {
            return Variants.runtimeFor(variant).benchmark(variant, weights, sourceBytes, text.paragraphs(),
                    reference.logits(), settings.options(), progress, stop);
        } catch (CancellationException e) {
            throw e;
        } catch (InvalidInputException | IllegalStateException | IllegalArgumentException e) {
            // llama.cpp refused the variant, failed on it or gave non-finite logits: the recipe made something it cannot run
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            String runtime = java.nio.file.Files.isRegularFile(variant.resolve("model.onnx"))
                    || variant.getFileName().toString().endsWith(".onnx") ? "ONNX Runtime" : "llama.cpp";
            throw new InvalidInputException("variant " + variantName + " does not run on " + runtime + ": "
                    + message.replace(variant.toString(), variantName), e);
        }
    }
}
