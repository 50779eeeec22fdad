package dev.quantforge.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A safetensors file of any bytes opens, or is refused in one line; its tensors are then readable. */
class SafetensorsFileFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void openAndRead(byte[] input) throws IOException {
        Path file = FuzzInputs.file("model.safetensors", input);
        FuzzInputs.typedErrorOnly(() -> {
            try (SafetensorsFile safetensors = SafetensorsFile.open(file)) {
                readAll(safetensors);
            }
        });
    }

    @Test
    void theSeedsAreValidSafetensorsFiles() {
        for (Path seed : FuzzInputs.seeds(getClass(), "openAndRead")) {
            try (SafetensorsFile safetensors = SafetensorsFile.open(seed)) {
                assertFalse(safetensors.tensorInfos().isEmpty(), seed.toString());
                readAll(safetensors);
            }
        }
    }

    /** The first bytes of every tensor, raw and, for the float dtypes the converter reads, as a tensor source. */
    static void readAll(SafetensorsFile safetensors) {
        safetensors.metadata().size();
        for (SafetensorsTensorInfo tensor : safetensors.tensorInfos().values()) {
            safetensors.map(tensor, 0, (int) Math.min(tensor.byteSize(), 64)).remaining();
            if (tensor.dtype().ggmlType().isPresent() && tensor.elementCount() > 0) {
                var source = safetensors.source(tensor.name());
                source.shape();
                source.bytes(0, (int) Math.min(tensor.byteSize(), 64)).remaining();
            }
        }
    }
}
