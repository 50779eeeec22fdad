package dev.quantforge.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp's own per-tensor choices for three generated llama models (P1: 32 layers with GQA 4,
 * P2: 26 layers without GQA, P3: like P1 with tied embeddings) × 60 runs of file types and options
 * (golden/llama-quant/plans-public.json).
 */
class QuantizationPlanGoldenTest {
    private static final JsonNode PLANS = Golden.json(Golden.llamaQuant("plans-public.json")).get("plans");

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (Iterator<String> models = PLANS.fieldNames(); models.hasNext(); ) {
            String model = models.next();
            for (Iterator<String> names = PLANS.get(model).get("runs").fieldNames(); names.hasNext(); ) {
                runs.add(Arguments.of(model, names.next()));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void planMatchesLlamaCpp(String model, String runName) {
        JsonNode config = PLANS.get(model).get("config");
        JsonNode run = PLANS.get(model).get("runs").get(runName);
        List<TensorDescriptor> tensors = tensors(config);
        LlamaFileType fileType = LlamaFileType.parse(run.get("ftype").asText());
        QuantizeOptions options = options(run.get("args"), tensors);
        QuantizationPlanner planner = new QuantizationPlanner();

        if (run.path("refused").asBoolean()) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> planner.plan(tensors, metadata(config), fileType, options));
            String error = run.get("error").asText();
            String expected = error.substring(error.indexOf("Missing importance matrix for tensor"), error.indexOf(" in a very"));
            assertTrue(e.getMessage().startsWith(expected), e.getMessage() + " should name the tensor as llama.cpp: " + error);
            return;
        }

        QuantizationPlan plan = planner.plan(tensors, metadata(config), fileType, options);
        List<String> expectedOrder = new ArrayList<>();
        config.get("output_order").forEach(n -> expectedOrder.add(n.asText()));
        assertEquals(expectedOrder, plan.tensors().stream().map(PlannedTensor::name).collect(Collectors.toList()), "tensor order");
        Map<String, String> expectedTypes = new LinkedHashMap<>();
        run.get("types").fields().forEachRemaining(e -> expectedTypes.put(e.getKey(), e.getValue().asText()));
        Map<String, String> actualTypes = new LinkedHashMap<>();
        plan.tensors().forEach(t -> actualTypes.put(t.name(), t.targetType().ggmlName()));
        assertEquals(differences(expectedTypes, actualTypes), List.of(), "tensor types differing from llama.cpp");
        assertEquals(run.get("file_type").asInt(), plan.fileTypeId(), "general.file_type");
        assertEquals(run.get("data_size").asLong(), plan.dataSize(), "data size");
        assertEquals(run.get("n_fallback").asLong(), plan.fallbackCount(), "fallbacks");
    }

    static List<TensorDescriptor> tensors(JsonNode config) {
        List<TensorDescriptor> tensors = new ArrayList<>();
        for (JsonNode t : config.get("tensors")) {
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            tensors.add(new TensorDescriptor(t.get("name").asText(), shape, GgmlType.F32));
        }
        return tensors;
    }

    static Map<String, GgufValue> metadata(JsonNode config) {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.ofString("llama"));
        metadata.put("general.file_type", GgufValue.ofUint32(0));
        metadata.put("llama.block_count", GgufValue.ofUint32(config.get("n_layer").asInt()));
        metadata.put("llama.embedding_length", GgufValue.ofUint32(config.get("n_embd").asInt()));
        metadata.put("llama.feed_forward_length", GgufValue.ofUint32(config.get("n_ff").asInt()));
        metadata.put("llama.attention.head_count", GgufValue.ofUint32(config.get("n_head").asInt()));
        metadata.put("llama.attention.head_count_kv", GgufValue.ofUint32(config.get("n_head_kv").asInt()));
        return metadata;
    }

    /** The llama-quantize arguments of a run; the golden importance matrix covers every 2-D tensor but the token embedding. */
    static QuantizeOptions options(JsonNode args, List<TensorDescriptor> tensors) {
        QuantizeOptions options = QuantizeOptions.defaults();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i).asText();
            switch (arg) {
                case "--pure" -> options = options.withPure(true);
                case "--leave-output-tensor" -> options = options.withLeaveOutputTensor(true);
                case "--output-tensor-type" -> options = options.withOutputTensorType(type(args.get(++i).asText()));
                case "--token-embedding-type" -> options = options.withTokenEmbeddingType(type(args.get(++i).asText()));
                case "--imatrix" -> {
                    i++;
                    Set<String> covered = tensors.stream()
                            .filter(t -> t.shape().length == 2 && !t.name().equals("token_embd.weight"))
                            .map(TensorDescriptor::name).collect(Collectors.toSet());
                    options = options.withImatrixTensors(covered);
                }
                default -> throw new IllegalArgumentException("unexpected golden argument " + arg);
            }
        }
        return options;
    }

    private static GgmlType type(String name) {
        return GgmlType.byName(name).orElseThrow();
    }

    static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
        List<String> out = new ArrayList<>();
        expected.forEach((name, type) -> {
            if (!type.equals(actual.get(name))) {
                out.add(name + ": llama.cpp " + type + ", planned " + actual.get(name));
            }
        });
        actual.keySet().stream().filter(n -> !expected.containsKey(n)).forEach(n -> out.add(n + ": not in llama.cpp's output"));
        return out;
    }
}
