package dev.quantforge.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A {@code model.onnx} of any bytes is inspected (graph, ops, initializers, metadata), or refused in one line. */
class OnnxModelInfoFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void read(byte[] input) throws IOException {
        Path dir = variant(input);
        FuzzInputs.typedErrorOnly(() -> describe(OnnxModelInfo.read(dir)));
    }

    @Test
    void theSeedsAreValidModels() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "read")) {
            OnnxModelInfo info = OnnxModelInfo.read(variant(Files.readAllBytes(seed)));
            assertFalse(info.opCounts().isEmpty(), seed.toString());
            describe(info);
        }
    }

    private static Path variant(byte[] input) throws IOException {
        Path dir = FuzzInputs.directory("onnx");
        Files.write(dir.resolve(OnnxExporter.MODEL), input);
        return dir;
    }

    /** What quantforge inspect prints. */
    private static void describe(OnnxModelInfo info) {
        info.table();
        info.toJson();
        info.description();
    }
}
