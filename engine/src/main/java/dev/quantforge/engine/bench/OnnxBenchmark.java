package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.onnx.DequantizedOnnx;
import dev.quantforge.engine.onnx.OnnxDecoder;
import dev.quantforge.engine.onnx.OnnxModelInfo;
import dev.quantforge.engine.runtime.LlamaTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Benchmarks an ONNX variant directory on ONNX Runtime (CPU execution provider): size, perplexity and
 * KL divergence against the source's reference logits (the same reference as the GGUF variants, over the
 * same windows and tokens: the text is tokenized by llama.cpp's tokenizer built from the variant's own
 * tokenizer files), prompt and decode speed with the KV cache, load time; and, as for GGUF, every weight's
 * error against the source tensor with {@link TensorComparison}'s figures, the weight dequantized as ONNX Runtime
 * computes with it ({@link DequantizedOnnx}) and streamed a chunk of rows at a time. Each error's {@code type}
 * is how the weight is stored in the graph ({@code int4 b32 asym}, {@code int8 per-channel}, {@code float16});
 * a directory without the source's config.json gets none.
 */
public final class OnnxBenchmark {
    private OnnxBenchmark() {
    }

    public static BenchmarkReport run(Path variant, ModelSource source, long sourceBytes, List<String> paragraphs,
                                      ReferenceLogits reference, VariantBenchmark.Options options,
                                      VariantBenchmark.Progress progress, BooleanSupplier cancelled) {
        long started = System.nanoTime();
        OnnxModelInfo info = OnnxModelInfo.read(variant);
        long bytes = info.totalBytes();
        BenchmarkReport.Size size = new BenchmarkReport.Size(bytes, Math.min(info.tensorBytes(), bytes), info.parameters(),
                info.parameters() == 0 ? 0 : info.tensorBytes() * 8.0 / info.parameters(),
                sourceBytes > 0 ? (double) sourceBytes / bytes : 0, info.initializersByType());
        int context = reference != null ? reference.contextLength()
                : (int) Math.max(2, Math.min(info.contextLength(), VariantBenchmark.EVALUATION_CONTEXT));
        String runtimeName = "onnxruntime " + OnnxDecoder.runtimeVersion();
        double errorsMs = 0;
        BenchmarkReport.TensorErrors errors = null;
        // the weights are named by the source checkpoint's config.json, which the exporter copies beside the model;
        // a directory without one (not written by quantforge) is benchmarked without tensor errors
        if (source != null && Files.isRegularFile(variant.resolve("config.json"))) {
            check(cancelled, "before comparing tensors");
            long e0 = System.nanoTime();
            errors = tensorErrors(variant, source, options.threads(), cancelled);
            errorsMs = (System.nanoTime() - e0) / 1e6;
        }
        double loadMs = 0;
        double qualityMs = 0;
        double speedMs = 0;
        QualityFigures quality = null;
        BenchmarkReport.Speed speed = null;
        if (reference != null || options.speed()) {
            check(cancelled, "before loading the variant");
            Path vocabulary;
            try {
                vocabulary = Files.createTempFile("quantforge-vocab-", ".gguf");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                HfModelSource.writeVocabularyGguf(variant, vocabulary);
                try (LlamaTokenizer tokenizer = LlamaTokenizer.load(vocabulary)) {
                    PeakRss peakRss = PeakRss.start();
                    long t0 = System.nanoTime();
                    try (OnnxDecoder decoder = OnnxDecoder.load(variant, new OnnxDecoder.Options(options.threads(), context))) {
                        loadMs = (System.nanoTime() - t0) / 1e6;
                        progress.update(0.1);
                        decoder.useTokenizer(tokenizer::tokenize, tokenizer.bos());
                        if (reference != null) {
                            check(cancelled, "before measuring quality");
                            long q0 = System.nanoTime();
                            quality = reference.compare(decoder, paragraphs);
                            qualityMs = (System.nanoTime() - q0) / 1e6;
                            progress.update(0.7);
                        }
                        if (options.speed()) {
                            long s0 = System.nanoTime();
                            speed = speed(decoder, options, quality != null ? 0 : options.warmups(), loadMs, tokenizer.bos(),
                                    peakRss, cancelled);
                            speedMs = (System.nanoTime() - s0) / 1e6;
                        }
                    }
                }
            } finally {
                try {
                    Files.deleteIfExists(vocabulary);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
        BenchmarkReport report = new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION,
                new BenchmarkReport.Variant(variant.getFileName().toString(), info.precision(), info.description()),
                new BenchmarkReport.Source(source != null ? source.description() : null, sourceBytes), size, errors, quality, speed,
                MachineInfo.current(null),
                new BenchmarkReport.Timings(loadMs, errorsMs, qualityMs, speedMs, (System.nanoTime() - started) / 1e6),
                new BenchmarkReport.RuntimeInfo(runtimeName, "as stored", null));
        progress.update(1);
        return report;
    }

    /**
     * The variant's weights against {@code source}'s: the variant is read as the Hugging Face checkpoint it stands
     * for, under GGUF names (with llama.cpp's q/k row order, as the source is), so the comparison is GGUF's.
     */
    static BenchmarkReport.TensorErrors tensorErrors(Path variant, ModelSource source, int threads, BooleanSupplier cancelled) {
        DequantizedOnnx[] weights = new DequantizedOnnx[1];
        try (HfModelSource dequantized = HfModelSource.open(variant, dir -> weights[0] = DequantizedOnnx.open(dir), OutputType.F32)) {
            BenchmarkReport.TensorErrors errors = TensorComparison.compare(dequantized.tensors(), source, threads, cancelled, f -> { });
            List<BenchmarkReport.TensorError> worst = errors.worst().stream()
                    .map(e -> new BenchmarkReport.TensorError(e.name(), dequantized.checkpointName(e.name())
                            .map(weights[0]::storage).orElse(e.type()), e.sourceType(), e.elements(), e.rmse(),
                            e.relativeRmse(), e.maxAbsError(), e.cosineSimilarity()))
                    .toList();
            return new BenchmarkReport.TensorErrors(errors.compared(), errors.notCompared(), errors.ranking(),
                    errors.meanRelativeRmse(), errors.maxRelativeRmse(), errors.weightedRelativeRmse(), errors.maxAbsError(),
                    errors.meanCosineSimilarity(), errors.minCosineSimilarity(), worst);
        }
    }

    /** Prompt: one window of promptTokens from an empty cache; generation: generationTokens one at a time after BOS. */
    private static BenchmarkReport.Speed speed(OnnxDecoder decoder, VariantBenchmark.Options options, int warmups,
                                               double loadMs, int bos, PeakRss peakRss, BooleanSupplier cancelled) {
        int vocabulary = decoder.vocabularySize();
        int promptLength = Math.min(options.promptTokens(), decoder.contextLength());
        int generationLength = Math.min(options.generationTokens(), decoder.contextLength() - 1);
        int[] prompt = new int[promptLength];
        int[] generation = new int[generationLength];
        prompt[0] = Math.max(bos, 0);
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = (int) ((i * 2654435761L) % vocabulary);
        }
        for (int i = 0; i < generation.length; i++) {
            generation[i] = (int) (((i + 1) * 2654435761L) % vocabulary);
        }
        long[] promptNanos = new long[options.repetitions()];
        long[] generationNanos = new long[options.repetitions()];
        for (int run = -warmups; run < options.repetitions(); run++) {
            check(cancelled, "while measuring speed");
            long t0 = System.nanoTime();
            decoder.logits(prompt);
            long t1 = System.nanoTime();
            try (OnnxDecoder.Cache cache = decoder.newCache()) {
                decoder.run(cache, new int[]{prompt[0]});
                long t2 = System.nanoTime();
                for (int token : generation) {
                    decoder.run(cache, new int[]{token});
                }
                long t3 = System.nanoTime();
                if (run >= 0) {
                    promptNanos[run] = t1 - t0;
                    generationNanos[run] = t3 - t2;
                }
            }
        }
        return new BenchmarkReport.Speed(options.threads(), loadMs, warmups, options.repetitions(),
                VariantBenchmark.throughput(prompt.length, promptNanos), VariantBenchmark.throughput(generation.length, generationNanos),
                peakRss.bytes());
    }

    private static void check(BooleanSupplier cancelled, String where) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("benchmark cancelled " + where);
        }
    }

    static void requireDirectory(Path variant) {
        if (!Files.isDirectory(variant)) {
            throw new InvalidInputException(variant + ": not an ONNX variant directory");
        }
    }
}
