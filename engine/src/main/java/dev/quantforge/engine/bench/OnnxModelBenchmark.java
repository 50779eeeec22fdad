package dev.quantforge.engine.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.onnx.OnnxDecoder;
import dev.quantforge.engine.onnx.quantize.OnnxModelFile;
import dev.quantforge.engine.onnx.quantize.StoredTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Benchmarks a non-LLM ONNX model file (an embedder, a classifier: what {@code quantize IN.onnx} writes) on ONNX
 * Runtime's CPU execution provider: size, output agreement with the source model on the same evaluation inputs
 * ({@link OnnxEvaluationInputs}), and per-inference latency at one thread and at all threads. Perplexity, KL
 * divergence and tensor errors do not apply (a quantized graph's weights are renamed and rewired) and stay null.
 */
public final class OnnxModelBenchmark {
    private OnnxModelBenchmark() {
    }

    /**
     * @param variant   the model to measure ({@code .onnx}, external data beside it)
     * @param source    the model it was made from, or null for size and latency only
     * @param sentences evaluation sentences for a text model, or null for the bundled set (or generated inputs)
     * @param options   threads (the "all threads" count), warm-ups, repetitions and whether to measure latency
     */
    public static BenchmarkReport run(Path variant, Path source, List<String> sentences, VariantBenchmark.Options options,
                                      VariantBenchmark.Progress progress, BooleanSupplier cancelled) {
        long started = System.nanoTime();
        requireModelFile(variant, "variant");
        if (source != null) {
            requireModelFile(source, "source");
        }
        BenchmarkReport.Size size = size(variant, source);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String precision;
        BenchmarkReport.Agreement agreement = null;
        BenchmarkReport.Latency latency = null;
        double loadMs;
        double agreementMs = 0;
        double latencyMs = 0;
        OnnxEvaluationInputs inputs;
        PeakRss peakRss = PeakRss.start();
        long t0 = System.nanoTime();
        try (OrtSession session = open(env, variant, options.threads())) {
            loadMs = (System.nanoTime() - t0) / 1e6;
            precision = session.getMetadata().getCustomMetadata().getOrDefault("quantforge.precision", "unknown");
            List<Path> tokenizerDirs = new ArrayList<>(List.of(parent(variant)));
            if (source != null) {
                tokenizerDirs.add(parent(source));
            }
            inputs = OnnxEvaluationInputs.forModel(session.getInputInfo(), tokenizerDirs, sentences);
            progress.update(0.05);
            if (source != null) {
                check(cancelled, "before comparing outputs");
                long a0 = System.nanoTime();
                try (OrtSession reference = open(env, source, options.threads())) {
                    agreement = agreement(env, session, reference, inputs, cancelled);
                }
                agreementMs = (System.nanoTime() - a0) / 1e6;
                progress.update(0.4);
            }
            if (options.speed()) {
                long s0 = System.nanoTime();
                BenchmarkReport.LatencyRun all = latency(env, session, options.threads(), inputs, options, cancelled);
                progress.update(0.7);
                BenchmarkReport.LatencyRun one;
                try (OrtSession single = open(env, variant, 1)) {
                    one = latency(env, single, 1, inputs, options, cancelled);
                }
                latency = new BenchmarkReport.Latency(loadMs, options.warmups(), options.repetitions(), one, all,
                        peakRss.bytes());
                latencyMs = (System.nanoTime() - s0) / 1e6;
            }
        } catch (OrtException e) {
            throw new InvalidInputException(variant + ": ONNX Runtime " + OnnxDecoder.runtimeVersion()
                    + " could not run it: " + firstLine(e.getMessage()));
        }
        BenchmarkReport report = new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION,
                new BenchmarkReport.Variant(variant.getFileName().toString(), precision, "ONNX model"),
                new BenchmarkReport.Source(source == null ? null : source.toString(), source == null ? 0 : modelBytes(source)),
                size, null, null, null, MachineInfo.current(null),
                new BenchmarkReport.Timings(loadMs, 0, agreementMs, latencyMs, (System.nanoTime() - started) / 1e6),
                new BenchmarkReport.RuntimeInfo("onnxruntime " + OnnxDecoder.runtimeVersion(), "as stored", null),
                agreement, latency);
        progress.update(1);
        return report;
    }

    /** Evaluation sentences from a text file, one per non-blank line. */
    public static List<String> sentences(Path text) {
        try {
            List<String> lines = OnnxEvaluationInputs.lines(Files.readString(text));
            if (lines.isEmpty()) {
                throw new InvalidInputException(text + ": no evaluation sentences (one per line)");
            }
            return lines;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidInputException(text + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(text + ": cannot read: " + e.getMessage());
        }
    }

    /** The model file and its external data files (each counted once). */
    public static long modelBytes(Path model) {
        try {
            long bytes = Files.size(model);
            Set<String> seen = new HashSet<>();
            for (StoredTensor t : OnnxModelFile.read(model).initializers().values()) {
                if (t.data() instanceof StoredTensor.External external && seen.add(external.location())) {
                    bytes += Files.size(parent(model).resolve(external.location()));
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BenchmarkReport.Size size(Path variant, Path source) {
        OnnxModelFile model = OnnxModelFile.read(variant);
        long bytes = modelBytes(variant);
        long tensorBytes = 0;
        long parameters = 0;
        Map<String, Integer> byType = new TreeMap<>();
        for (StoredTensor t : model.initializers().values()) {
            long elements = t.elements();
            parameters += elements;
            tensorBytes += (long) Math.ceil(elements * bytesPerElement(t.dataType()));
            byType.merge(typeName(t.dataType()), 1, Integer::sum);
        }
        long sourceBytes = source == null ? 0 : modelBytes(source);
        return new BenchmarkReport.Size(bytes, Math.min(tensorBytes, bytes), parameters,
                parameters == 0 ? 0 : Math.min(tensorBytes, bytes) * 8.0 / parameters,
                sourceBytes > 0 ? (double) sourceBytes / bytes : 0, byType);
    }

    /** ONNX TensorProto.DataType sizes; 4-bit types pack two elements a byte. */
    private static double bytesPerElement(int dataType) {
        return switch (dataType) {
            case 2, 3, 9, 17, 18, 19, 20 -> 1;   // uint8, int8, bool, float8 variants
            case 4, 5, 10, 16 -> 2;              // uint16, int16, float16, bfloat16
            case 1, 6, 12 -> 4;                  // float, int32, uint32
            case 7, 11, 13, 14 -> 8;             // int64, double, uint64, complex64
            case 15 -> 16;                       // complex128
            case 21, 22, 23 -> 0.5;              // uint4, int4, float4e2m1
            default -> 0;                        // strings and unknown types: not tensor data we can size
        };
    }

    private static String typeName(int dataType) {
        return switch (dataType) {
            case 1 -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 4 -> "uint16";
            case 5 -> "int16";
            case 6 -> "int32";
            case 7 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "float64";
            case 16 -> "bfloat16";
            case 21 -> "uint4";
            case 22 -> "int4";
            default -> "type" + dataType;
        };
    }

    private static BenchmarkReport.Agreement agreement(OrtEnvironment env, OrtSession variant, OrtSession source,
                                                       OnnxEvaluationInputs inputs, BooleanSupplier cancelled)
            throws OrtException {
        Map<String, NodeInfo> outputs = variant.getOutputInfo();
        Map<String, NodeInfo> sourceOutputs = source.getOutputInfo();
        if (!sourceOutputs.keySet().equals(outputs.keySet())) {
            throw new InvalidInputException("the variant's outputs " + outputs.keySet() + " are not the source's "
                    + sourceOutputs.keySet() + " (wrong --reference?)");
        }
        if (!source.getInputInfo().keySet().equals(variant.getInputInfo().keySet())) {
            throw new InvalidInputException("the variant's inputs " + variant.getInputInfo().keySet()
                    + " are not the source's " + source.getInputInfo().keySet() + " (wrong --reference?)");
        }
        List<String> compared = new ArrayList<>();
        List<String> notCompared = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> o : outputs.entrySet()) {
            boolean floating = o.getValue().getInfo() instanceof TensorInfo t && isFloat(t.type);
            (floating ? compared : notCompared).add(o.getKey());
        }
        if (compared.isEmpty()) {
            throw new InvalidInputException("the model has no float outputs " + outputs.keySet() + " to compare");
        }
        OutputStats[] stats = new OutputStats[compared.size()];
        for (int i = 0; i < stats.length; i++) {
            stats[i] = new OutputStats(compared.get(i));
        }
        for (int example = 0; example < inputs.size(); example++) {
            check(cancelled, "while comparing outputs");
            Map<String, OnnxTensor> feed = inputs.tensors(env, example);
            try (OrtSession.Result ours = variant.run(feed, new HashSet<>(compared));
                 OrtSession.Result theirs = source.run(feed, new HashSet<>(compared))) {
                for (OutputStats s : stats) {
                    s.add(values(ours.get(s.name).orElseThrow()), values(theirs.get(s.name).orElseThrow()));
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
        List<BenchmarkReport.OutputAgreement> figures = Arrays.stream(stats).map(OutputStats::figures).toList();
        return new BenchmarkReport.Agreement(inputs.description(), inputs.size(),
                figures.stream().mapToDouble(BenchmarkReport.OutputAgreement::meanCosineSimilarity).average().orElseThrow(),
                figures.stream().mapToDouble(BenchmarkReport.OutputAgreement::minCosineSimilarity).min().orElseThrow(),
                figures.stream().mapToDouble(BenchmarkReport.OutputAgreement::maxAbsError).max().orElseThrow(),
                figures, notCompared);
    }

    private static boolean isFloat(OnnxJavaType type) {
        return type == OnnxJavaType.FLOAT || type == OnnxJavaType.DOUBLE || type == OnnxJavaType.FLOAT16
                || type == OnnxJavaType.BFLOAT16;
    }

    /** An output's values widened to double (float16 and bfloat16 as ONNX Runtime's Java API converts them). */
    private static double[] values(OnnxValue value) {
        OnnxTensor tensor = (OnnxTensor) value;
        if (tensor.getInfo().type == OnnxJavaType.DOUBLE) {
            DoubleBuffer b = tensor.getDoubleBuffer();
            double[] out = new double[b.remaining()];
            b.get(out);
            return out;
        }
        FloatBuffer b = tensor.getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get();
        }
        return out;
    }

    /** Running agreement figures of one output. */
    private static final class OutputStats {
        final String name;
        long elements;
        double cosineSum;
        double minCosine = Double.POSITIVE_INFINITY;
        double maxAbs;
        double squaredError;
        int examples;

        OutputStats(String name) {
            this.name = name;
        }

        void add(double[] ours, double[] theirs) {
            if (ours.length != theirs.length) {
                throw new InvalidInputException("output " + name + " has " + ours.length + " values, the source's "
                        + theirs.length + " (wrong --reference?)");
            }
            double dot = 0;
            double normOurs = 0;
            double normTheirs = 0;
            for (int i = 0; i < ours.length; i++) {
                double d = ours[i] - theirs[i];
                if (!(Math.abs(d) <= maxAbs)) {
                    maxAbs = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.abs(d);
                }
                squaredError += d * d;
                dot += ours[i] * theirs[i];
                normOurs += ours[i] * ours[i];
                normTheirs += theirs[i] * theirs[i];
            }
            // two all-zero outputs agree exactly; one zero and one not do not agree at all
            double cosine = normOurs == 0 && normTheirs == 0 ? 1
                    : normOurs == 0 || normTheirs == 0 ? 0 : dot / Math.sqrt(normOurs * normTheirs);
            cosine = Double.isNaN(cosine) ? -1 : Math.max(-1, Math.min(1, cosine));
            cosineSum += cosine;
            minCosine = Math.min(minCosine, cosine);
            elements += ours.length;
            examples++;
        }

        BenchmarkReport.OutputAgreement figures() {
            if (elements == 0) {
                throw new InvalidInputException("output " + name + " was empty on every evaluation input");
            }
            double mean = cosineSum / examples;
            return new BenchmarkReport.OutputAgreement(name, elements, mean, Math.min(minCosine, mean), maxAbs,
                    Math.sqrt(squaredError / elements));
        }
    }

    /** Every input run {@code warmups} times unmeasured, then {@code repetitions} times, one sample per run. */
    private static BenchmarkReport.LatencyRun latency(OrtEnvironment env, OrtSession session, int threads, OnnxEvaluationInputs inputs,
                                                      VariantBenchmark.Options options, BooleanSupplier cancelled)
            throws OrtException {
        long[] nanos = new long[options.repetitions() * inputs.size()];
        int sample = 0;
        for (int pass = -options.warmups(); pass < options.repetitions(); pass++) {
            check(cancelled, "while measuring latency");
            for (int example = 0; example < inputs.size(); example++) {
                Map<String, OnnxTensor> feed = inputs.tensors(env, example);
                try {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result ignored = session.run(feed)) {
                        long elapsed = System.nanoTime() - t0;
                        if (pass >= 0) {
                            nanos[sample++] = elapsed;
                        }
                    }
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double p50 = sorted[(int) Math.ceil(0.5 * n) - 1] / 1e6;
        double p90 = sorted[(int) Math.ceil(0.9 * n) - 1] / 1e6;
        double mean = Arrays.stream(nanos).average().orElseThrow() / 1e6;
        return new BenchmarkReport.LatencyRun(threads, n, p50, p90, mean);
    }

    private static OrtSession open(OrtEnvironment env, Path model, int threads) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new InvalidInputException(model + ": ONNX Runtime " + OnnxDecoder.runtimeVersion() + " cannot load it: "
                    + firstLine(e.getMessage()));
        }
    }

    private static void requireModelFile(Path model, String what) {
        if (!Files.isRegularFile(model)) {
            throw new InvalidInputException(model + ": no such ONNX model file (the " + what + ")");
        }
    }

    private static Path parent(Path model) {
        Path parent = model.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no reason given";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void check(BooleanSupplier cancelled, String where) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("benchmark cancelled " + where);
        }
    }
}
