package dev.quantforge.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.common.jobs.QuantizationNames;
import dev.quantforge.engine.ggml.GgmlType;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The API accepts a job's quantization names from common's lists: they must be names the engine knows. */
class QuantizationNamesMatchEngineTest {

    @Test
    void everyFileTypeTheApiAcceptsIsALlamaFileTypeAndViceVersa() {
        Set<String> engine = Arrays.stream(LlamaFileType.values()).map(Enum::name).collect(Collectors.toSet());
        assertEquals(engine, QuantizationNames.FILE_TYPES);
    }

    @Test
    void everyTensorTypeTheApiAcceptsIsAGgmlType() {
        for (String name : QuantizationNames.TENSOR_TYPES) {
            assertTrue(GgmlType.byName(name).isPresent(), name + " is not a ggml type");
        }
    }
}
