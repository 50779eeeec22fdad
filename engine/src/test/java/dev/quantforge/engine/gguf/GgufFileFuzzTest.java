package dev.quantforge.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A GGUF file of any bytes opens, or is refused in one line; its metadata and tensor data are then readable. */
class GgufFileFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void openAndRead(byte[] input) throws IOException {
        Path file = FuzzInputs.file("model.gguf", input);
        FuzzInputs.typedErrorOnly(() -> {
            try (GgufFile gguf = GgufFile.open(file)) {
                readAll(gguf);
            }
        });
    }

    @Test
    void theSeedsAreValidGgufFiles() {
        for (Path seed : FuzzInputs.seeds(getClass(), "openAndRead")) {
            try (GgufFile gguf = GgufFile.open(seed)) {
                assertFalse(gguf.tensorInfos().isEmpty(), seed.toString());
                readAll(gguf);
            }
        }
    }

    /** What inspect and the quantizer touch: every metadata value's text and the first bytes of every tensor. */
    static void readAll(GgufFile gguf) {
        gguf.metadata().values().forEach(GgufValue::display);
        for (GgufTensorInfo tensor : gguf.tensorInfos()) {
            gguf.map(tensor, 0, (int) Math.min(tensor.byteSize(), 64)).remaining();
        }
    }
}
