package dev.quantforge.engine.runtime;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file the user points at that cannot run is a one-line error naming it, never a dead JVM. */
class LlamaModelLoadErrorsTest {
    private static final LlamaModel.Options ONE_THREAD = LlamaModel.Options.threads(1);

    @TempDir
    Path dir;

    @Test
    void missingFile() {
        Path missing = dir.resolve("absent.gguf");
        assertNamesFile(missing, assertThrows(InvalidInputException.class, () -> LlamaModel.load(missing, ONE_THREAD)));
    }

    @Test
    void notAGgufFile() {
        Path text = Golden.models("eval.txt");
        assertNamesFile(text, assertThrows(InvalidInputException.class, () -> LlamaModel.load(text, ONE_THREAD)));
    }

    @Test
    void truncatedModel() throws IOException {
        byte[] whole = Files.readAllBytes(Golden.llamaQuant("stories260K/tied/stories260K-Q6_K.gguf"));
        Path truncated = Files.write(dir.resolve("truncated.gguf"), Arrays.copyOf(whole, whole.length / 2));
        assertNamesFile(truncated, assertThrows(InvalidInputException.class, () -> LlamaModel.load(truncated, ONE_THREAD)));
    }

    @Test
    void validGgufThatIsNotAModelLlamaCppKnows() {
        Path notAModel = dir.resolve("tensor-only.gguf");
        try (GgufWriter writer = GgufWriter.create(notAModel, Map.of("general.name", GgufValue.ofString("one tensor")),
                List.of(new GgufWriter.TensorSpec("weights", new long[]{32}, GgmlType.F32)))) {
            writer.beginTensor("weights");
            writer.write(new byte[128], 0, 128);
            writer.commit();
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> LlamaModel.load(notAModel, ONE_THREAD));
        assertNamesFile(notAModel, e);
        assertTrue(e.getMessage().contains("llama.cpp cannot load it"), e.getMessage());
        System.out.println("[load error] " + e.getMessage());
    }

    private static void assertNamesFile(Path file, InvalidInputException e) {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
