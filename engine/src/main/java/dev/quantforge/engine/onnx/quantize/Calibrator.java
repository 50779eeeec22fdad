package dev.quantforge.engine.onnx.quantize;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * ONNX Runtime's calibration: the model with the tensors to calibrate added as graph outputs, run on every
 * calibration example (no graph optimizations, so the tensors are the graph's own). MinMax: each tensor's range is
 * the minimum of the examples' minimums and the maximum of their maximums (MinMaxCalibrater without moving
 * average). Percentile: a second run fills a {@link PercentileHistogram} per tensor over the first run's range, as
 * ORT's HistogramCollector does when it collects every example at once. Entropy with ORT's defaults reduces to the
 * MinMax range (see {@link #ranges}).
 * Calibration examples are lines of text, tokenized with the model's {@code tokenizer.json} (WordPiece) into
 * {@code input_ids}, {@code attention_mask} and {@code token_type_ids}: text models only.
 */
final class Calibrator {
    static final Set<String> TEXT_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");
    static final int MAX_TOKENS = 128;

    private Calibrator() {
    }

    /**
     * {@code {low, high}} (and {@code min |x|}, {@code max |x|}) of each of {@code tensors} that ONNX Runtime reports
     * as float32, over the calibration data; tensors of other types are left out (ORT's calibrator selects float
     * tensors by their inferred type, as this does by the type ORT infers for the added outputs).
     */
    static Measured ranges(OnnxModelFile model, Set<String> tensors, Path calibrationData,
                           OnnxQuantizeOptions.Calibration method) {
        CalibrationFeed feed = NpzCalibrationFeed.isNpz(calibrationData)
                ? NpzCalibrationFeed.read(calibrationData, modelInputs(model)) : textFeed(model, calibrationData);
        Map<String, float[]> ranges = new HashMap<>();
        Map<String, Integer> ranks = new HashMap<>();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("quantforge-calibration");
            Path augmented = dir.resolve("augmented.onnx");
            List<GraphNode> nodes = model.nodes();
            QuantizedGraph graph = new QuantizedGraph(nodes, model.initializers().keySet(), List.of(), "calibration",
                    new QuantizationPlan("calibration", List.of()), List.copyOf(new LinkedHashSet<>(tensors)));
            new OnnxModelWriter(model, "calibration").write(graph, augmented);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                try (OrtSession session = env.createSession(augmented.toString(), options)) {
                    Set<String> floats = new LinkedHashSet<>();
                    session.getOutputInfo().forEach((name, info) -> {
                        if (tensors.contains(name) && info.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT) {
                            floats.add(name);
                        }
                    });
                    if (floats.isEmpty()) {
                        return new Measured(ranges, ranks);
                    }
                    Sink minMax = minMax(ranges);
                    for (int e = 0; e < feed.size(); e++) {
                        run(session, feed.example(env, e), floats, (name, values, rank) -> {
                            ranks.put(name, rank);
                            minMax.accept(name, values, rank);
                        });
                    }
                    if (method == OnnxQuantizeOptions.Calibration.PERCENTILE) {
                        Map<String, PercentileHistogram> histograms = new HashMap<>();
                        ranges.forEach((name, r) -> histograms.put(name, new PercentileHistogram(r[0], r[1], r[2], r[3])));
                        for (int e = 0; e < feed.size(); e++) {
                            run(session, feed.example(env, e), floats, (name, values, rank) -> {
                                PercentileHistogram h = histograms.get(name);
                                while (values.hasRemaining()) {
                                    h.add(values.get());
                                }
                            });
                        }
                        histograms.forEach((name, h) -> ranges.put(name, h.range()));
                    }
                    // Entropy with ORT's defaults (128 bins, 128 quantized bins) has a single candidate threshold,
                    // the whole histogram [-max|x|, max|x|], clamped to the data: the MinMax range, kept as it is.
                }
            }
        } catch (OrtException e) {
            throw new InvalidInputException(model.path() + ": ONNX Runtime could not run the model for calibration: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(dir);
        }
        return new Measured(ranges, ranks);
    }

    /** Each measured tensor's range ({@code {low, high, …}}) and rank (what an opset upgrade needs to know of Softmax). */
    record Measured(Map<String, float[]> ranges, Map<String, Integer> ranks) {
    }

    /** The calibration examples, one feed of input tensors each; the caller closes the tensors. */
    interface CalibrationFeed {
        int size();

        Map<String, OnnxTensor> example(OrtEnvironment env, int index) throws OrtException;
    }

    /** The model's graph inputs that are not initializers: what a calibration example must give. */
    static List<String> modelInputs(OnnxModelFile model) {
        List<String> inputs = new ArrayList<>();
        model.graphInputNames().values().stream().filter(n -> !model.initializers().containsKey(n)).forEach(inputs::add);
        return inputs;
    }

    /** Lines of text tokenized with the tokenizer.json beside the model: BERT-style text models only. */
    private static CalibrationFeed textFeed(OnnxModelFile model, Path calibrationText) {
        List<String> inputs = modelInputs(model);
        for (String input : inputs) {
            if (!TEXT_INPUTS.contains(input)) {
                throw new InvalidInputException(model.path() + ": calibration text feeds text models only (input_ids, "
                        + "attention_mask, token_type_ids), and the model also takes " + input
                        + "; give its input tensors as a .npz (--calibration-data FILE.npz, one array per input)");
            }
        }
        if (!inputs.contains("input_ids")) {
            throw new InvalidInputException(model.path() + ": calibration text needs an input_ids input");
        }
        Path tokenizerJson = model.path().toAbsolutePath().resolveSibling("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new InvalidInputException(model.path() + ": int8-static tokenizes the calibration text with the "
                    + "tokenizer.json next to the model, and there is none");
        }
        List<String> lines = lines(calibrationText);
        WordPieceTokenizer tokenizer = new WordPieceTokenizer(tokenizerJson);
        return new CalibrationFeed() {
            @Override
            public int size() {
                return lines.size();
            }

            @Override
            public Map<String, OnnxTensor> example(OrtEnvironment env, int index) throws OrtException {
                long[] ids = tokenizer.encode(lines.get(index), MAX_TOKENS);
                long[] shape = {1, ids.length};
                long[] mask = new long[ids.length];
                Arrays.fill(mask, 1);
                Map<String, OnnxTensor> feed = new HashMap<>();
                try {
                    for (String input : inputs) {
                        long[] values = switch (input) {
                            case "input_ids" -> ids;
                            case "attention_mask" -> mask;
                            default -> new long[ids.length];
                        };
                        feed.put(input, OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
                    }
                } catch (OrtException | RuntimeException e) {
                    feed.values().forEach(OnnxTensor::close);
                    throw e;
                }
                return feed;
            }
        };
    }

    private static List<String> lines(Path text) {
        try {
            List<String> lines = Files.readAllLines(text).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            if (lines.isEmpty()) {
                throw new InvalidInputException(text + ": no calibration text (one example per line)");
            }
            return lines;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidInputException(text + ": no such calibration file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a run's tensors are given to: a tensor's name and its values. */
    @FunctionalInterface
    private interface Sink {
        void accept(String name, FloatBuffer values, int rank);
    }

    private static Sink minMax(Map<String, float[]> ranges) {
        return (name, b, rank) -> {
            // {min, max, min |x|, max |x|}; the last two are what a Percentile histogram spans
            float[] range = ranges.computeIfAbsent(name, k -> new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                    Float.POSITIVE_INFINITY, 0f});
            while (b.hasRemaining()) {
                float v = b.get();
                range[0] = Math.min(range[0], v);
                range[1] = Math.max(range[1], v);
                range[2] = Math.min(range[2], Math.abs(v));
                range[3] = Math.max(range[3], Math.abs(v));
            }
        };
    }

    /** Runs one example (closing its tensors) and gives every float output to {@code sink}. */
    private static void run(OrtSession session, Map<String, OnnxTensor> feed, Set<String> tensors, Sink sink)
            throws OrtException {
        try (OrtSession.Result result = session.run(feed, tensors)) {
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                sink.accept(e.getKey(), t.getFloatBuffer(), t.getInfo().getShape().length);
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is not worth hiding the outcome
        }
    }
}
