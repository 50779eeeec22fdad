package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.LlamaRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Measures one variant: size, per-tensor error against the source weights, quality against the
 * source's reference logits and speed, all on llama.cpp.
 */
public final class VariantBenchmark {
    /** Share of the progress bar each stage takes when it runs: the tensor walk and the text pass dominate. */
    private static final double ERRORS_WEIGHT = 2;
    private static final double LOAD_WEIGHT = 0.2;
    private static final double QUALITY_WEIGHT = 2;
    private static final double SPEED_WEIGHT = 1;

    /**
     * Longest evaluation window: llama-perplexity's default context, or the model's training context
     * when shorter. A model trained on 128K positions would otherwise need a KV cache of gigabytes.
     */
    public static final int EVALUATION_CONTEXT = 512;

    private VariantBenchmark() {
    }

    /**
     * How a model runs for the benchmark, the source for its reference logits and every variant alike
     * (the reference is only comparable under the same options): {@code threads} threads, llama.cpp's
     * default KV cache, windows of {@link #EVALUATION_CONTEXT} positions at most.
     */
    public static LlamaModel.Options modelOptions(Path gguf, int threads) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return modelOptions(file, threads);
        }
    }

    private static LlamaModel.Options modelOptions(GgufFile file, int threads) {
        long trained = file.get("general.architecture")
                .flatMap(arch -> file.get(arch.asString() + ".context_length"))
                .map(GgufValue::asLong)
                .orElse((long) EVALUATION_CONTEXT);
        return new LlamaModel.Options(threads, (int) Math.max(2, Math.min(trained, EVALUATION_CONTEXT)));
    }

    /**
     * The reference logits of {@code source} (a GGUF file or a Hugging Face directory, converted into
     * {@code scratch} first, and deleted after) on {@code paragraphs}, kept within
     * {@link ReferenceLogits#defaultBudget} of {@code sourceBytes} (no bound when 0).
     */
    public static ReferenceLogits referenceLogits(Path source, long sourceBytes, List<String> paragraphs, int threads,
                                                  Path scratch) {
        Path runnable = RunnableSource.gguf(source, scratch);
        ReferenceLogits computed;
        try (LlamaModel model = LlamaModel.load(runnable, modelOptions(runnable, threads))) {
            computed = ReferenceLogits.compute(model, paragraphs, ReferenceLogits.DEFAULT_TOP_K);
        } finally {
            if (!runnable.equals(source)) {
                deleteQuietly(runnable); // as large as the source
            }
        }
        return sourceBytes > 0 ? computed.within(ReferenceLogits.defaultBudget(sourceBytes)) : computed;
    }

    /**
     * @param threads          CPU threads for llama.cpp
     * @param promptTokens     tokens of the prompt-processing run (llama-bench's pp)
     * @param generationTokens tokens of the generation run (llama-bench's tg)
     * @param warmups          unmeasured runs first, when no quality pass has warmed the model up already
     * @param repetitions      measured runs; median and p90 are over these
     * @param speed            false skips the speed runs
     */
    public record Options(int threads, int promptTokens, int generationTokens, int warmups, int repetitions,
                          boolean speed) {
        public Options {
            if (threads < 1) {
                throw new InvalidInputException("threads must be at least 1, got " + threads);
            }
            if (promptTokens < 1 || generationTokens < 1) {
                throw new InvalidInputException("prompt and generation tokens must be at least 1, got "
                        + promptTokens + " and " + generationTokens);
            }
            if (warmups < 0 || repetitions < 1) {
                throw new InvalidInputException("warm-ups must be >= 0 and repetitions >= 1, got " + warmups
                        + " and " + repetitions);
            }
        }

        public static Options defaults(int threads) {
            return new Options(threads, 128, 64, 1, 3, true);
        }
    }

    /** Where a long benchmark is: {@code fraction} 0..1 of the whole. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = fraction -> {
        };

        void update(double fraction);
    }

    /**
     * @param variant     the variant's GGUF file
     * @param source      the source's weights under GGUF names (a GGUF file or an HF checkpoint opened with
     *                    {@code ModelSources.open}); null skips the per-tensor errors
     * @param sourceBytes size of the source on disk, for the compression ratio (0 when unknown)
     * @param paragraphs  the evaluation text, as {@code EvalText} cuts it
     * @param reference   the source's reference logits for that text; null skips quality
     * @param cancelled   polled between stages and tensors; true stops with a CancellationException
     */
    public static BenchmarkReport run(Path variant, ModelSource source, long sourceBytes, List<String> paragraphs,
                                      ReferenceLogits reference, Options options, Progress progress,
                                      BooleanSupplier cancelled) {
        long started = System.nanoTime();
        boolean needsRuntime = reference != null || options.speed();
        double total = (source != null ? ERRORS_WEIGHT : 0) + (needsRuntime ? LOAD_WEIGHT : 0)
                + (reference != null ? QUALITY_WEIGHT : 0) + (options.speed() ? SPEED_WEIGHT : 0);
        ProgressTracker tracker = new ProgressTracker(progress, Math.max(total, 1));
        try (GgufFile file = GgufFile.open(variant)) {
            BenchmarkReport.Size size = size(file, sourceBytes);
            String fileType = fileType(file);

            double errorsMs = 0;
            BenchmarkReport.TensorErrors errors = null;
            if (source != null) {
                checkCancelled(cancelled, "before comparing tensors");
                long t0 = System.nanoTime();
                errors = TensorComparison.compare(file.tensors(), source, options.threads(), cancelled,
                        f -> tracker.within(ERRORS_WEIGHT, f));
                tracker.finish(ERRORS_WEIGHT);
                errorsMs = millisSince(t0);
            }

            String description = null;
            LlamaRuntime runtime = null;
            double loadMs = 0;
            double qualityMs = 0;
            double speedMs = 0;
            QualityFigures quality = null;
            BenchmarkReport.Speed speed = null;
            if (needsRuntime) {
                checkCancelled(cancelled, "before loading the variant");
                LlamaRuntime.get(); // the library's one-time start-up is not the variant's load time
                PeakRss peakRss = PeakRss.start();
                long t0 = System.nanoTime();
                try (LlamaModel model = LlamaModel.load(variant, modelOptions(file, options.threads()))) {
                    loadMs = millisSince(t0);
                    tracker.finish(LOAD_WEIGHT);
                    description = model.description();
                    runtime = model.runtime();
                    if (reference != null) {
                        checkCancelled(cancelled, "before measuring quality");
                        long q0 = System.nanoTime();
                        quality = reference.compare(model, paragraphs);
                        qualityMs = millisSince(q0);
                        tracker.finish(QUALITY_WEIGHT);
                    }
                    if (options.speed()) {
                        checkCancelled(cancelled, "before measuring speed");
                        long s0 = System.nanoTime();
                        // the quality pass has just run the whole model over the text: it is the warm-up
                        int warmups = quality != null ? 0 : options.warmups();
                        speed = speed(model, options, warmups, loadMs, peakRss, cancelled);
                        speedMs = millisSince(s0);
                        tracker.finish(SPEED_WEIGHT);
                    }
                }
            }
            String sourceDescription = source != null ? source.description() : null;
            BenchmarkReport report = new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION,
                    new BenchmarkReport.Variant(variant.getFileName().toString(), fileType, description),
                    new BenchmarkReport.Source(sourceDescription, sourceBytes), size, errors, quality, speed,
                    MachineInfo.current(runtime),
                    new BenchmarkReport.Timings(loadMs, errorsMs, qualityMs, speedMs, millisSince(started)));
            progress.update(1);
            return report;
        }
    }

    private static BenchmarkReport.Size size(GgufFile file, long sourceBytes) {
        long tensorBytes = 0;
        long parameters = 0;
        Map<String, Integer> byType = new TreeMap<>();
        for (GgufTensorInfo t : file.tensorInfos()) {
            tensorBytes += t.byteSize();
            parameters += t.elementCount();
            byType.merge(t.type().ggmlName(), 1, Integer::sum);
        }
        long bytes = file.fileSize();
        return new BenchmarkReport.Size(bytes, tensorBytes, parameters,
                parameters == 0 ? 0 : tensorBytes * 8.0 / parameters,
                sourceBytes > 0 ? (double) sourceBytes / bytes : 0, byType);
    }

    /** llama.cpp's name of {@code general.file_type}, or "mixed" when the file does not say or says something unknown. */
    private static String fileType(GgufFile file) {
        return file.get(OutputMetadata.FILE_TYPE)
                .filter(v -> v.value() instanceof Integer || v.value() instanceof Long || v.value() instanceof Short)
                .map(GgufValue::asLong)
                .filter(id -> id >= 0 && id <= Integer.MAX_VALUE)
                .flatMap(id -> LlamaFileType.byId(id.intValue()))
                .map(LlamaFileType::name)
                .orElse("mixed");
    }

    private static BenchmarkReport.Speed speed(LlamaModel model, Options options, int warmups, double loadMs,
                                               PeakRss peakRss, BooleanSupplier cancelled) {
        int[] prompt = fixedTokens(options.promptTokens(), model);
        int[] generation = fixedTokens(options.generationTokens(), model);
        long[] promptNanos = new long[options.repetitions()];
        long[] generationNanos = new long[options.repetitions()];
        for (int run = -warmups; run < options.repetitions(); run++) {
            checkCancelled(cancelled, "while measuring speed");
            long t0 = System.nanoTime();
            model.processPrompt(prompt);
            long t1 = System.nanoTime();
            model.generateFixed(generation);
            long t2 = System.nanoTime();
            if (run >= 0) {
                promptNanos[run] = t1 - t0;
                generationNanos[run] = t2 - t1;
            }
        }
        return new BenchmarkReport.Speed(options.threads(), loadMs, warmups, options.repetitions(),
                throughput(prompt.length, promptNanos), throughput(generation.length, generationNanos), peakRss.bytes());
    }

    /**
     * Deterministic token ids spread over the vocabulary, starting with BOS: speed does not depend on
     * which tokens are decoded, and fixed ids make runs repeatable.
     */
    static int[] fixedTokens(int count, LlamaModel model) {
        int vocabulary = model.vocabularySize();
        int[] tokens = new int[count];
        tokens[0] = model.bosToken() >= 0 ? model.bosToken() : 0;
        for (int i = 1; i < count; i++) {
            tokens[i] = (int) ((i * 2654435761L) % vocabulary);
        }
        return tokens;
    }

    /** Median and p90 of the run times (nearest rank), as tokens per second. */
    static BenchmarkReport.Throughput throughput(int tokens, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double medianNanos = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        long p90Nanos = sorted[(int) Math.ceil(0.9 * n) - 1];
        List<Double> runs = new ArrayList<>();
        for (long t : nanos) {
            runs.add(tokensPerSecond(tokens, t));
        }
        return new BenchmarkReport.Throughput(tokens, tokensPerSecond(tokens, medianNanos), tokensPerSecond(tokens, p90Nanos), runs);
    }

    private static double tokensPerSecond(int tokens, double nanos) {
        return tokens * 1e9 / Math.max(nanos, 1);
    }

    private static void checkCancelled(BooleanSupplier cancelled, String where) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("benchmark cancelled " + where);
        }
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** Turns stage completions into one monotone fraction of the whole run. */
    private static final class ProgressTracker {
        private final Progress progress;
        private final double total;
        private double done;

        ProgressTracker(Progress progress, double total) {
            this.progress = progress;
            this.total = total;
        }

        void within(double stageWeight, double fraction) {
            progress.update(Math.min(1, (done + stageWeight * fraction) / total));
        }

        void finish(double stageWeight) {
            done += stageWeight;
            progress.update(Math.min(1, done / total));
        }
    }

    /**
     * Size of a source on disk, for the compression ratio: a file's length, or for a Hugging Face
     * directory the sum of its {@code *.safetensors} files (the weights, not tokenizer or side copies).
     */
    public static long bytesOnDisk(Path path) {
        if (!Files.exists(path)) {
            throw new InvalidInputException(path + ": no such file or directory");
        }
        try {
            if (!Files.isDirectory(path)) {
                return Files.size(path);
            }
            long sum = 0;
            try (var files = Files.list(path)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f) && f.getFileName().toString().endsWith(".safetensors")) {
                        sum += Files.size(f);
                    }
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + path + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a scratch file left behind costs disk, not correctness
        }
    }
}
