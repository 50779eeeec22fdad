package dev.quantforge.engine.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.engine.onnx.OnnxExportOptions;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One variant's {@code benchmark.json} (docs/benchmark.md documents every field). A stage that was
 * skipped leaves its component null: {@code tensorErrors} without source weights, {@code quality}
 * without reference logits, {@code speed} when speed runs were turned off. A non-LLM ONNX model (an embedder, a
 * classifier) has no perplexity and no tokens per second: its quality vs the source is {@code agreement} (how close
 * its outputs are to the source model's on the same inputs) and its speed is {@code latency} (per inference); both
 * are null for LLM variants.
 */
public record BenchmarkReport(int schemaVersion, Variant variant, Source source, Size size, TensorErrors tensorErrors,
                              QualityFigures quality, Speed speed, Machine machine, Timings timings,
                              RuntimeInfo runtime, Agreement agreement, Latency latency) {

    public static final int SCHEMA_VERSION = 1;
    /** How many of the worst tensors {@link TensorErrors#worst()} lists. */
    public static final int WORST_TENSORS = 10;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    public BenchmarkReport {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("benchmark.json schema version " + schemaVersion
                    + " is not supported; this engine reads version " + SCHEMA_VERSION);
        }
        requireNonNull(variant, "variant");
        requireNonNull(source, "source");
        requireNonNull(size, "size");
        requireNonNull(machine, "machine");
        requireNonNull(timings, "timings");
        runtime = runtime == null ? RuntimeInfo.LLAMA_CPP : runtime; // files written before the field was added
    }

    /** A report of an LLM variant (no output agreement, no per-inference latency). */
    public BenchmarkReport(int schemaVersion, Variant variant, Source source, Size size, TensorErrors tensorErrors,
                           QualityFigures quality, Speed speed, Machine machine, Timings timings, RuntimeInfo runtime) {
        this(schemaVersion, variant, source, size, tensorErrors, quality, speed, machine, timings, runtime, null, null);
    }

    /** A report of a variant that llama.cpp ran as stored. */
    public BenchmarkReport(int schemaVersion, Variant variant, Source source, Size size, TensorErrors tensorErrors,
                           QualityFigures quality, Speed speed, Machine machine, Timings timings) {
        this(schemaVersion, variant, source, size, tensorErrors, quality, speed, machine, timings, RuntimeInfo.LLAMA_CPP);
    }

    /**
     * What ran the variant for the quality and speed figures.
     *
     * @param name      the runtime, {@code llama.cpp}
     * @param weights   what it ran: {@code as stored}, or how the variant's weights were turned into something it runs
     *                  (an MLX variant: dequantized to F32 as MLX dequantizes them)
     * @param speedNote why {@code speed} is null when the variant's own runtime was not run, e.g.
     *                  {@value #SPEED_NEEDS_APPLE_SILICON}; null when speed was measured or simply turned off
     */
    public record RuntimeInfo(String name, String weights, String speedNote) {
        public static final RuntimeInfo LLAMA_CPP = new RuntimeInfo("llama.cpp", "as stored", null);

        public RuntimeInfo {
            requireNonNull(name, "runtime name");
            requireNonNull(weights, "runtime weights");
        }
    }

    /** The speed note of a variant whose runtime (MLX on Metal) is not on this machine. */
    public static final String SPEED_NEEDS_APPLE_SILICON = "not measured here (needs Apple Silicon)";

    /**
     * @param fileName    the variant's file name, without directories
     * @param fileType    {@code general.file_type} as llama.cpp names it (e.g. Q4_K_M), or "mixed" when absent or unknown
     * @param description llama.cpp's one-line description of the loaded model, or null when it was not loaded
     */
    public record Variant(String fileName, String fileType, String description) {
        public Variant {
            requireNonNull(fileName, "variant file name");
            requireNonNull(fileType, "variant file type");
        }
    }

    /**
     * @param description where the source weights came from (a path), or null when no source was given
     * @param bytes       size of the source on disk (0 when unknown)
     */
    public record Source(String description, long bytes) {
        public Source {
            if (bytes < 0) {
                throw new IllegalArgumentException("source bytes must not be negative, got " + bytes);
            }
        }
    }

    /**
     * @param bytes            size of the variant's file
     * @param tensorBytes      bytes of tensor data (the file less header, metadata and padding)
     * @param parameters       weights over all tensors
     * @param bitsPerWeight    {@code tensorBytes * 8 / parameters}, as llama.cpp counts it
     * @param compressionRatio source bytes / variant bytes, 0 when the source size is unknown
     * @param tensorsByType    tensor count per ggml type name (e.g. "q4_0": 12)
     */
    public record Size(long bytes, long tensorBytes, long parameters, double bitsPerWeight, double compressionRatio,
                       Map<String, Integer> tensorsByType) {
        public Size {
            if (bytes <= 0 || tensorBytes < 0 || tensorBytes > bytes || parameters < 0) {
                throw new IllegalArgumentException("inconsistent size: " + bytes + " bytes, " + tensorBytes
                        + " tensor bytes, " + parameters + " parameters");
            }
            if (!(bitsPerWeight >= 0) || !(compressionRatio >= 0)) {
                throw new IllegalArgumentException("bits per weight and compression ratio must be >= 0");
            }
            tensorsByType = Map.copyOf(new TreeMap<>(requireNonNull(tensorsByType, "tensor counts")));
        }

        @Override
        public Map<String, Integer> tensorsByType() {
            return new TreeMap<>(tensorsByType);
        }
    }

    /**
     * How far one dequantized variant tensor is from the source's values.
     *
     * @param relativeRmse {@code rmse / rms(source)}; when the source tensor is all zeros, the rmse itself
     */
    public record TensorError(String name, String type, String sourceType, long elements, double rmse,
                              double relativeRmse, double maxAbsError, double cosineSimilarity) {
        public TensorError {
            requireNonNull(name, "tensor name");
            if (elements < 1 || !(rmse >= 0) || !(relativeRmse >= 0) || !(maxAbsError >= 0)
                    || !(cosineSimilarity >= -1.000001 && cosineSimilarity <= 1.000001)) {
                throw new IllegalArgumentException("invalid error figures for tensor " + name);
            }
        }
    }

    /**
     * Errors of every variant tensor against the source tensor of the same name.
     *
     * @param compared            tensors compared
     * @param notCompared         variant tensors with no source counterpart or a type that cannot be decoded
     * @param ranking             the measure {@code worst} is sorted by
     * @param meanRelativeRmse    mean over tensors of the relative RMSE
     * @param maxRelativeRmse     largest relative RMSE
     * @param weightedRelativeRmse RMSE over all compared weights divided by the RMS of all source weights
     * @param maxAbsError         largest absolute difference of any weight
     * @param meanCosineSimilarity mean over tensors of the cosine similarity
     * @param minCosineSimilarity smallest cosine similarity
     * @param worst               the {@link #WORST_TENSORS} tensors with the largest relative RMSE, worst first
     */
    public record TensorErrors(int compared, int notCompared, String ranking, double meanRelativeRmse,
                               double maxRelativeRmse, double weightedRelativeRmse, double maxAbsError,
                               double meanCosineSimilarity, double minCosineSimilarity, List<TensorError> worst) {
        public static final String RANKING = "rmse / rms(source)";

        public TensorErrors {
            if (compared < 0 || notCompared < 0) {
                throw new IllegalArgumentException("tensor counts must not be negative");
            }
            worst = List.copyOf(requireNonNull(worst, "worst tensors"));
            if (worst.size() > Math.min(compared, WORST_TENSORS)) {
                throw new IllegalArgumentException("lists " + worst.size() + " worst tensors of " + compared);
            }
        }
    }

    /**
     * Tokens per second over the measured runs. {@code p90} is the speed 90 % of runs reach: the run
     * time at the 90th percentile (nearest rank), as tokens/s, so it is at most the median.
     */
    public record Throughput(int tokens, double medianTokensPerSecond, double p90TokensPerSecond, List<Double> runs) {
        public Throughput {
            runs = List.copyOf(requireNonNull(runs, "runs"));
            if (tokens < 1 || runs.isEmpty() || !(medianTokensPerSecond > 0) || !(p90TokensPerSecond > 0)) {
                throw new IllegalArgumentException("throughput needs tokens, runs and positive speeds");
            }
        }
    }

    /**
     * @param threads           CPU threads llama.cpp used
     * @param loadMilliseconds  time to load the variant into llama.cpp and create its context
     * @param warmups           unmeasured runs before the measured ones
     * @param repetitions       measured runs
     * @param prompt            prompt processing (one batch from an empty KV cache)
     * @param generation        generation (one token at a time from an empty KV cache)
     * @param peakRssBytes      the benchmarking process's peak resident set from the variant's load to the last
     *                          speed run (JVM, runtime and the quality pass included); null where Linux's
     *                          high-water mark cannot be reset
     */
    public record Speed(int threads, double loadMilliseconds, int warmups, int repetitions, Throughput prompt,
                        Throughput generation, Long peakRssBytes) {
        public Speed {
            if (threads < 1 || warmups < 0 || repetitions < 1 || !(loadMilliseconds >= 0)
                    || (peakRssBytes != null && peakRssBytes <= 0)) {
                throw new IllegalArgumentException("invalid speed settings");
            }
            requireNonNull(prompt, "prompt throughput");
            requireNonNull(generation, "generation throughput");
        }
    }

    /**
     * @param cpuModel      /proc/cpuinfo's "model name", else the JVM's os.arch
     * @param logicalCores  processors the JVM sees
     * @param os            os.name and os.version
     * @param jvm           java.vm.name and java.runtime.version
     * @param llamaCpp      the llama.cpp build that ran the model, e.g. "b4916 (abcdef0)" (the engine's build when
     *                      another runtime ran it)
     * @param engineVersion the quantforge engine's version
     */
    public record Machine(String cpuModel, int logicalCores, String os, String jvm, String llamaCpp,
                          String engineVersion, String engineCommit) {
        public Machine {
            requireNonNull(cpuModel, "cpu model");
            if (logicalCores < 1) {
                throw new IllegalArgumentException("logical cores must be at least 1");
            }
        }
    }

    /**
     * How close one output of the variant is to the same output of the source, over the evaluation inputs: each
     * input's output tensor flattened and compared as one vector.
     *
     * @param name                 the graph output
     * @param elements             values compared over all inputs
     * @param meanCosineSimilarity mean over inputs of the cosine similarity
     * @param minCosineSimilarity  smallest cosine similarity of any input
     * @param maxAbsError          largest absolute difference of any value
     * @param rmse                 root mean square difference over all values
     */
    public record OutputAgreement(String name, long elements, double meanCosineSimilarity, double minCosineSimilarity,
                                  double maxAbsError, double rmse) {
        public OutputAgreement {
            requireNonNull(name, "output name");
            if (elements < 1 || !(maxAbsError >= 0) || !(rmse >= 0)
                    || !(meanCosineSimilarity >= -1.000001 && meanCosineSimilarity <= 1.000001)
                    || !(minCosineSimilarity >= -1.000001 && minCosineSimilarity <= meanCosineSimilarity + 1e-9)) {
                throw new IllegalArgumentException("invalid agreement figures for output " + name);
            }
        }
    }

    /**
     * Output agreement of a non-LLM ONNX model with its source (docs/benchmark.md, "ONNX models").
     *
     * @param inputs               what the evaluation inputs were, e.g. {@code 32 sentences (bundled), tokenized with
     *                             tokenizer.json} or {@code 8 generated (seeded)}
     * @param examples             evaluation inputs run through both models
     * @param meanCosineSimilarity mean over outputs of their mean cosine similarity (the figure the gates judge)
     * @param minCosineSimilarity  smallest cosine similarity of any output on any input
     * @param maxAbsError          largest absolute difference of any output value
     * @param outputs              every float output, in graph order
     * @param notCompared          outputs that are not float tensors (listed, not compared)
     */
    public record Agreement(String inputs, int examples, double meanCosineSimilarity, double minCosineSimilarity,
                            double maxAbsError, List<OutputAgreement> outputs, List<String> notCompared) {
        public Agreement {
            requireNonNull(inputs, "agreement inputs");
            outputs = List.copyOf(requireNonNull(outputs, "agreement outputs"));
            notCompared = notCompared == null ? List.of() : List.copyOf(notCompared);
            if (examples < 1 || outputs.isEmpty() || !(maxAbsError >= 0)) {
                throw new IllegalArgumentException("output agreement needs examples and compared outputs");
            }
        }
    }

    /**
     * Milliseconds per inference (one evaluation input, batch 1) at one thread count: every measured run of every
     * input is one sample; percentiles by nearest rank.
     */
    public record LatencyRun(int threads, int samples, double p50Milliseconds, double p90Milliseconds,
                             double meanMilliseconds) {
        public LatencyRun {
            if (threads < 1 || samples < 1 || !(p50Milliseconds > 0) || !(p90Milliseconds >= p50Milliseconds)
                    || !(meanMilliseconds > 0)) {
                throw new IllegalArgumentException("invalid latency figures");
            }
        }
    }

    /**
     * Per-inference speed of a non-LLM ONNX model on ONNX Runtime.
     *
     * @param loadMilliseconds time to create the variant's session (all threads)
     * @param warmups          unmeasured passes over the inputs per thread count
     * @param repetitions      measured passes over the inputs per thread count
     * @param oneThread        intra-op threads 1
     * @param allThreads       intra-op threads = the benchmark's thread count (all cores by default)
     * @param peakRssBytes     as {@link Speed#peakRssBytes()}
     */
    public record Latency(double loadMilliseconds, int warmups, int repetitions, LatencyRun oneThread,
                          LatencyRun allThreads, Long peakRssBytes) {
        public Latency {
            if (!(loadMilliseconds >= 0) || warmups < 0 || repetitions < 1
                    || (peakRssBytes != null && peakRssBytes <= 0)) {
                throw new IllegalArgumentException("invalid latency settings");
            }
            requireNonNull(oneThread, "one-thread latency");
            requireNonNull(allThreads, "all-threads latency");
        }
    }

    /** Wall-clock milliseconds per stage; a skipped stage is 0. */
    public record Timings(double loadMilliseconds, double tensorErrorsMilliseconds, double qualityMilliseconds,
                          double speedMilliseconds, double totalMilliseconds) {
        public Timings {
            if (!(loadMilliseconds >= 0 && tensorErrorsMilliseconds >= 0 && qualityMilliseconds >= 0
                    && speedMilliseconds >= 0 && totalMilliseconds >= 0)) {
                throw new IllegalArgumentException("stage times must not be negative");
            }
        }
    }

    /** The headline figures the gates judge and the API reports. */
    public BenchmarkSummary summary() {
        return new BenchmarkSummary(size.bytes(), size.bitsPerWeight(), size.compressionRatio(),
                quality == null ? null : quality.sourcePerplexity(),
                quality == null ? null : quality.perplexity(),
                quality == null ? null : quality.perplexityIncreasePercent(),
                quality == null ? null : quality.meanKld(),
                quality == null ? null : quality.sameTopPercent(),
                speed == null ? null : speed.prompt().medianTokensPerSecond(),
                speed == null ? null : speed.generation().medianTokensPerSecond(),
                speed != null ? speed.threads() : latency != null ? latency.allThreads().threads() : 0, runtimeLabel(),
                agreement == null ? null : agreement.meanCosineSimilarity());
    }

    /**
     * What produced the headline figures, short enough for a report column: {@code llama.cpp}, {@code onnxruntime
     * 1.29.0 (CPU execution provider)} (quantforge runs ONNX on the CPU provider only, whatever hardware a profile names;
     * a variant with float16 activations is built for a GPU, which its label says), or {@code llama.cpp (dequantized
     * weights)} for a variant run as something else than it is stored (MLX).
     */
    public String runtimeLabel() {
        String label = !runtime.name().startsWith("onnxruntime") ? runtime.name()
                : OnnxExportOptions.hasFp16Activations(variant.fileType())
                ? runtime.name() + " (CPU execution provider; the profile targets GPU)"
                : runtime.name() + " (CPU execution provider)";
        return RuntimeInfo.LLAMA_CPP.weights().equals(runtime.weights()) ? label : label + " (dequantized weights)";
    }

    /** Pretty-printed JSON, the documented schema. */
    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write benchmark.json: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads what {@link #toJson()} wrote; anything else is an {@link InvalidInputException}. */
    public static BenchmarkReport fromJson(byte[] json) {
        try {
            return MAPPER.readValue(json, BenchmarkReport.class);
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
            int newline = message.indexOf('\n');
            throw new InvalidInputException("benchmark.json is not valid: "
                    + (newline < 0 ? message : message.substring(0, newline)));
        }
    }

    /** The runtime's name without its version, e.g. {@code onnxruntime}. */
    private String runtimeName() {
        return runtime.name().split(" ")[0];
    }

    /** The runtime with its build: llama.cpp's from the machine, another runtime's from its own name. */
    private String runtimeDescription() {
        return runtime.name().equals(RuntimeInfo.LLAMA_CPP.name()) ? runtime.name() + " " + machine.llamaCpp() : runtime.name();
    }

    /** A readable plain-text table of every figure, for the CLI. */
    public String table() {
        StringBuilder out = new StringBuilder();
        line(out, "variant", variant.fileName() + " (" + variant.fileType() + ")"
                + (variant.description() == null ? "" : ", " + runtimeName() + ": " + variant.description()));
        line(out, "source", source.description() == null ? "-" : source.description()
                + (source.bytes() > 0 ? " (" + bytes(source.bytes()) + ")" : ""));
        out.append('\n').append("size\n");
        line(out, "  file", bytes(size.bytes()));
        line(out, "  bits per weight", fmt("%.3f", size.bitsPerWeight()) + " (" + size.parameters() + " weights)");
        line(out, "  compression", size.compressionRatio() > 0 ? fmt("%.2fx", size.compressionRatio()) : "-");
        StringBuilder types = new StringBuilder();
        size.tensorsByType().forEach((type, count) -> types.append(types.isEmpty() ? "" : ", ").append(type)
                .append(": ").append(count));
        line(out, "  tensors", types.toString());
        if (tensorErrors != null) {
            out.append('\n').append("tensor errors vs source (").append(tensorErrors.compared()).append(" tensors")
                    .append(tensorErrors.notCompared() > 0 ? ", " + tensorErrors.notCompared() + " not compared" : "")
                    .append(")\n");
            line(out, "  relative RMSE", fmt("mean %.5f, max %.5f, over all weights %.5f",
                    tensorErrors.meanRelativeRmse(), tensorErrors.maxRelativeRmse(), tensorErrors.weightedRelativeRmse()));
            line(out, "  cosine similarity", fmt("mean %.6f, min %.6f", tensorErrors.meanCosineSimilarity(),
                    tensorErrors.minCosineSimilarity()));
            line(out, "  max abs error", fmt("%.6g", tensorErrors.maxAbsError()));
            if (!tensorErrors.worst().isEmpty()) {
                out.append(fmt("  worst by %s:%n", tensorErrors.ranking()));
                out.append(fmt("    %-28s %-6s %12s %12s %12s %10s%n", "tensor", "type", "rel. RMSE", "RMSE",
                        "max abs", "cosine"));
                for (TensorError e : tensorErrors.worst()) {
                    out.append(fmt("    %-28s %-6s %12.5f %12.6g %12.6g %10.6f%n", e.name(), e.type(), e.relativeRmse(),
                            e.rmse(), e.maxAbsError(), e.cosineSimilarity()));
                }
            }
        }
        if (quality != null) {
            out.append('\n').append("quality vs source (").append(quality.scoredTokens()).append(" tokens");
            if (quality.comparedPositions() < quality.scoredTokens()) {
                out.append("; distributions compared at ").append(quality.comparedPositions()).append(" of them");
            }
            out.append(")\n");
            line(out, "  perplexity", fmt("%.4f (source %.4f, %+.3f %%)", quality.perplexity(),
                    quality.sourcePerplexity(), quality.perplexityIncreasePercent()));
            line(out, "  KL divergence", fmt("mean %.6f, median %.6f, p99 %.6f, max %.6f", quality.meanKld(),
                    quality.medianKld(), quality.p99Kld(), quality.maxKld()));
            line(out, "  same top token", fmt("%.2f %%", quality.sameTopPercent()));
            line(out, "  RMS delta p", fmt("%.3f %%", quality.rmsDeltaProbabilityPercent()));
        }
        if (agreement != null) {
            out.append('\n').append("output agreement vs source (").append(agreement.examples()).append(" inputs: ")
                    .append(agreement.inputs()).append(")\n");
            line(out, "  cosine similarity", fmt("mean %.6f, min %.6f", agreement.meanCosineSimilarity(),
                    agreement.minCosineSimilarity()));
            line(out, "  max abs error", fmt("%.6g", agreement.maxAbsError()));
            out.append(fmt("    %-28s %12s %12s %12s %12s%n", "output", "mean cosine", "min cosine", "max abs", "RMSE"));
            for (OutputAgreement o : agreement.outputs()) {
                out.append(fmt("    %-28s %12.6f %12.6f %12.6g %12.6g%n", o.name(), o.meanCosineSimilarity(),
                        o.minCosineSimilarity(), o.maxAbsError(), o.rmse()));
            }
            if (!agreement.notCompared().isEmpty()) {
                line(out, "  not compared", String.join(", ", agreement.notCompared()) + " (not float)");
            }
        }
        if (latency != null) {
            out.append('\n').append(fmt("latency on " + runtimeName() + " (per inference, %d warm-up, %d passes)%n",
                    latency.warmups(), latency.repetitions()));
            line(out, "  load", fmt("%.1f ms", latency.loadMilliseconds()));
            if (latency.peakRssBytes() != null) {
                line(out, "  peak RSS", fmt("%.1f MB", latency.peakRssBytes() / 1e6));
            }
            for (LatencyRun run : List.of(latency.oneThread(), latency.allThreads())) {
                line(out, fmt("  %d thread%s", run.threads(), run.threads() == 1 ? "" : "s"),
                        fmt("p50 %.3f ms, p90 %.3f ms, mean %.3f ms (%d samples)", run.p50Milliseconds(),
                                run.p90Milliseconds(), run.meanMilliseconds(), run.samples()));
            }
        }
        if (speed == null && runtime.speedNote() != null) {
            out.append('\n');
            line(out, "speed", runtime.speedNote());
        }
        if (speed != null) {
            out.append('\n').append(fmt("speed on " + runtimeName() + " (%d thread%s, %d warm-up, %d runs)%n", speed.threads(),
                    speed.threads() == 1 ? "" : "s", speed.warmups(), speed.repetitions()));
            line(out, "  load", fmt("%.1f ms", speed.loadMilliseconds()));
            if (speed.peakRssBytes() != null) {
                line(out, "  peak RSS", fmt("%.1f MB", speed.peakRssBytes() / 1e6));
            }
            line(out, "  pp" + speed.prompt().tokens(), fmt("%.1f tokens/s median, %.1f p90",
                    speed.prompt().medianTokensPerSecond(), speed.prompt().p90TokensPerSecond()));
            line(out, "  tg" + speed.generation().tokens(), fmt("%.1f tokens/s median, %.1f p90",
                    speed.generation().medianTokensPerSecond(), speed.generation().p90TokensPerSecond()));
        }
        out.append('\n');
        line(out, "machine", machine.cpuModel() + ", " + machine.logicalCores() + " cores, " + machine.os());
        line(out, "runtime", runtimeDescription()
                + (runtime.weights().equals(RuntimeInfo.LLAMA_CPP.weights()) ? "" : " on " + runtime.weights())
                + ", quantforge " + machine.engineVersion() + ", " + machine.jvm());
        line(out, "time", fmt("%.0f ms (load %.0f, tensor errors %.0f, quality %.0f, speed %.0f)",
                timings.totalMilliseconds(), timings.loadMilliseconds(), timings.tensorErrorsMilliseconds(),
                timings.qualityMilliseconds(), timings.speedMilliseconds()));
        return out.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(fmt("%-20s %s%n", label, value));
    }

    private static String bytes(long bytes) {
        if (bytes < 1 << 20) {
            return fmt("%d bytes (%.1f KiB)", bytes, bytes / 1024.0);
        }
        return fmt("%d bytes (%.1f MiB)", bytes, bytes / (1024.0 * 1024));
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static <T> T requireNonNull(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        return value;
    }
}
