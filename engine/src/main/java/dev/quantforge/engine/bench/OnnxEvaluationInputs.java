package dev.quantforge.engine.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.onnx.quantize.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The inputs a non-LLM ONNX model is evaluated on, batch 1. A text model (inputs among {@code input_ids},
 * {@code attention_mask}, {@code token_type_ids}, with a WordPiece {@code tokenizer.json} beside the variant or the
 * source) gets sentences, one per line, tokenized as calibration does (at most {@value #MAX_TOKENS} tokens, mask of
 * ones, token types zero); the default is a bundled set of 32 sentences that no test or
 * calibration set shares. Any other model gets {@value #GENERATED_EXAMPLES} generated inputs from its input shapes
 * and types: a symbolic dimension is 1 when it is the first and {@value #SYMBOLIC_DIMENSION} otherwise; floats are
 * N(0, 1), integers uniform in [0, {@value #INTEGER_BOUND}), booleans fair coins, from {@code java.util.Random}
 * seeded with {@code 42 + 1000 * example + input index}, so every run (and the source) sees the same values.
 */
final class OnnxEvaluationInputs {
    static final Set<String> TEXT_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");
    static final int MAX_TOKENS = 128;
    static final int GENERATED_EXAMPLES = 8;
    static final int SYMBOLIC_DIMENSION = 16;
    static final int INTEGER_BOUND = 8;
    static final String BUNDLED_SENTENCES = "onnx-eval-sentences.txt";

    /** One input tensor's values, kept as Java arrays so each session makes its own tensors. */
    private record Value(OnnxJavaType type, long[] shape, Object data) {
    }

    private final String description;
    private final List<Map<String, Value>> examples;

    private OnnxEvaluationInputs(String description, List<Map<String, Value>> examples) {
        this.description = description;
        this.examples = examples;
    }

    /** What the inputs are, for benchmark.json's {@code agreement.inputs}. */
    String description() {
        return description;
    }

    int size() {
        return examples.size();
    }

    /**
     * The inputs for a model with {@code inputs} (its session's input infos).
     *
     * @param tokenizerDirs where to look for tokenizer.json, in order
     * @param sentences     evaluation sentences, or null for the bundled set
     */
    static OnnxEvaluationInputs forModel(Map<String, NodeInfo> inputs, List<Path> tokenizerDirs, List<String> sentences) {
        boolean text = inputs.containsKey("input_ids") && TEXT_INPUTS.containsAll(inputs.keySet());
        Path tokenizer = tokenizerDirs.stream().map(d -> d.resolve("tokenizer.json")).filter(Files::isRegularFile)
                .findFirst().orElse(null);
        if (text && tokenizer != null) {
            return tokenized(inputs, new WordPieceTokenizer(tokenizer), sentences);
        }
        if (sentences != null) {
            throw new InvalidInputException("evaluation text needs a text model (inputs input_ids, attention_mask, "
                    + "token_type_ids) with a tokenizer.json beside it; this model takes " + inputs.keySet()
                    + (text ? " but has no tokenizer.json" : ""));
        }
        return generated(inputs);
    }

    /** The bundled evaluation sentences. */
    static List<String> bundledSentences() {
        try (InputStream in = OnnxEvaluationInputs.class.getResourceAsStream(BUNDLED_SENTENCES)) {
            if (in == null) {
                throw new IllegalStateException(BUNDLED_SENTENCES + " is missing from the engine jar");
            }
            return lines(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Non-blank lines, stripped: one sentence each. */
    static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static OnnxEvaluationInputs tokenized(Map<String, NodeInfo> inputs, WordPieceTokenizer tokenizer,
                                                  List<String> sentences) {
        List<String> lines = sentences != null ? sentences : bundledSentences();
        if (lines.isEmpty()) {
            throw new InvalidInputException("no evaluation sentences (one per line)");
        }
        List<Map<String, Value>> examples = new ArrayList<>();
        for (String line : lines) {
            long[] ids = tokenizer.encode(line, MAX_TOKENS);
            long[] mask = new long[ids.length];
            Arrays.fill(mask, 1);
            Map<String, Value> example = new LinkedHashMap<>();
            for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
                long[] values = switch (input.getKey()) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> mask;
                    default -> new long[ids.length];
                };
                OnnxJavaType type = tensorInfo(input).type;
                long[] shape = {1, ids.length};
                example.put(input.getKey(), switch (type) {
                    case INT64 -> new Value(type, shape, values);
                    case INT32 -> new Value(type, shape, Arrays.stream(values).mapToInt(v -> (int) v).toArray());
                    default -> throw new InvalidInputException("text input " + input.getKey() + " is " + type
                            + "; token ids are fed as int64 or int32");
                });
            }
            examples.add(example);
        }
        return new OnnxEvaluationInputs(lines.size() + " sentences" + (sentences != null ? "" : " (bundled)")
                + ", tokenized with tokenizer.json", examples);
    }

    private static OnnxEvaluationInputs generated(Map<String, NodeInfo> inputs) {
        List<Map<String, Value>> examples = new ArrayList<>();
        for (int e = 0; e < GENERATED_EXAMPLES; e++) {
            Map<String, Value> example = new LinkedHashMap<>();
            int index = 0;
            for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
                TensorInfo info = tensorInfo(input);
                long[] shape = info.getShape().clone();
                for (int d = 0; d < shape.length; d++) {
                    if (shape[d] < 0) {
                        shape[d] = d == 0 ? 1 : SYMBOLIC_DIMENSION;
                    }
                }
                int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
                Random random = new Random(42 + 1000L * e + index++);
                Object data = switch (info.type) {
                    case FLOAT -> {
                        float[] v = new float[count];
                        for (int i = 0; i < count; i++) {
                            v[i] = (float) random.nextGaussian();
                        }
                        yield v;
                    }
                    case DOUBLE -> random.doubles(count).map(x -> random.nextGaussian()).toArray();
                    case INT64 -> random.longs(count, 0, INTEGER_BOUND).toArray();
                    case INT32 -> random.ints(count, 0, INTEGER_BOUND).toArray();
                    case BOOL -> {
                        byte[] v = new byte[count];
                        for (int i = 0; i < count; i++) {
                            v[i] = (byte) (random.nextBoolean() ? 1 : 0);
                        }
                        yield v;
                    }
                    default -> throw new InvalidInputException("input " + input.getKey() + " is " + info.type
                            + "; generated evaluation inputs are float32, float64, int64, int32 or bool");
                };
                example.put(input.getKey(), new Value(info.type, shape, data));
            }
            examples.add(example);
        }
        return new OnnxEvaluationInputs(GENERATED_EXAMPLES + " generated from the input shapes and types (seeded)", examples);
    }

    private static TensorInfo tensorInfo(Map.Entry<String, NodeInfo> input) {
        if (!(input.getValue().getInfo() instanceof TensorInfo info)) {
            throw new InvalidInputException("input " + input.getKey() + " is not a tensor ("
                    + input.getValue().getInfo() + "); only tensor inputs can be evaluated");
        }
        return info;
    }

    /** Example {@code index} as tensors; the caller closes them. */
    Map<String, OnnxTensor> tensors(OrtEnvironment env, int index) throws OrtException {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Value> e : examples.get(index).entrySet()) {
                Value v = e.getValue();
                feed.put(e.getKey(), switch (v.type()) {
                    case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) v.data()), v.shape());
                    case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) v.data()), v.shape());
                    case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) v.data()), v.shape());
                    case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) v.data()), v.shape());
                    case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) v.data()), v.shape(), OnnxJavaType.BOOL);
                    default -> throw new IllegalStateException("unexpected input type " + v.type());
                });
            }
            return feed;
        } catch (OrtException | RuntimeException ex) {
            feed.values().forEach(OnnxTensor::close);
            throw ex;
        }
    }
}
