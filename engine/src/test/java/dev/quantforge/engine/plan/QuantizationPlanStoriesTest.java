package dev.quantforge.engine.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plans for the real tiny model stories260K (E = 64, F = 172, 5 layers, GQA 2), where no dimension
 * is a multiple of 256 and ffn_down's 172-wide rows are not a multiple of 32: every fallback of
 * llama.cpp shows, and the legacy types llama.cpp refuses keep ffn_down at f16 instead.
 */
class QuantizationPlanStoriesTest {
    private static final JsonNode VARIANTS = Golden.json(Golden.llamaQuant("stories260K/MANIFEST.json")).get("variants");
    private static final Pattern REFUSED_TYPE = Pattern.compile("cols 172 x 64 are not divisible by 32, required for (\\w+?)llama_model_quantize");

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (String variant : List.of("tied", "with-output")) {
            for (Iterator<String> names = VARIANTS.get(variant).get("files").fieldNames(); names.hasNext(); ) {
                runs.add(Arguments.of(variant, names.next()));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void planMatchesLlamaCppOrKeepsF16WhereItGivesUp(String variant, String ftype) {
        JsonNode expected = VARIANTS.get(variant).get("files").get(ftype);
        QuantizationPlan plan = new QuantizationPlanner().plan(inputTensors(variant), metadata(variant),
                LlamaFileType.parse(ftype), QuantizeOptions.defaults());

        if (expected.path("refused").asBoolean()) {
            Matcher m = REFUSED_TYPE.matcher(expected.get("error").asText());
            assertTrue(m.find(), expected.get("error").asText());
            String refusedType = m.group(1);
            for (PlannedTensor t : plan.tensors()) {
                if (t.name().contains("ffn_down")) {
                    assertEquals(GgmlType.F16, t.targetType(), t.name());
                    assertNotNull(t.reason(), t.name() + " must say why it stays f16");
                    assertTrue(t.reason().startsWith("fallback " + refusedType + " -> f16: 172 columns not divisible by 32"), t.reason());
                } else if (t.shape().length == 2) {
                    assertTrue(t.targetType().isQuantized(), t + " should be quantized");
                }
            }
            return;
        }

        List<String> expectedOrder = new ArrayList<>();
        Map<String, String> expectedTypes = new LinkedHashMap<>();
        for (JsonNode t : expected.get("tensors")) {
            expectedOrder.add(t.get("name").asText());
            expectedTypes.put(t.get("name").asText(), t.get("type").asText());
        }
        Map<String, String> actualTypes = new LinkedHashMap<>();
        plan.tensors().forEach(t -> actualTypes.put(t.name(), t.targetType().ggmlName()));
        assertEquals(expectedOrder, new ArrayList<>(actualTypes.keySet()), "tensor order");
        assertEquals(List.of(), QuantizationPlanGoldenTest.differences(expectedTypes, actualTypes), "tensor types differing from llama.cpp");
        for (JsonNode t : expected.get("tensors")) {
            assertEquals(t.get("nbytes").asLong(), plan.tensor(t.get("name").asText()).orElseThrow().byteSize(), t.get("name").asText());
        }
        assertEquals(expected.get("file_type").asInt(), plan.fileTypeId(), "general.file_type");
    }

    private static List<TensorDescriptor> inputTensors(String variant) {
        List<TensorDescriptor> tensors = new ArrayList<>();
        for (JsonNode t : VARIANTS.get(variant).get("input").get("tensors")) {
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            tensors.add(new TensorDescriptor(t.get("name").asText(), shape, GgmlType.byName(t.get("type").asText()).orElseThrow()));
        }
        return tensors;
    }

    /** The shipped Q4_K_M file carries the input's metadata (hyperparameters included). */
    private static Map<String, GgufValue> metadata(String variant) {
        try (GgufFile file = GgufFile.open(Golden.llamaQuant("stories260K/" + variant + "/stories260K-Q4_K_M.gguf"))) {
            return new LinkedHashMap<>(file.metadata());
        }
    }
}
