package dev.quantforge.engine.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Whole files, metadata included, byte for byte as llama.cpp's {@code llama_model_quantize} writes them from
 * the exact input of the golden {@code with-output/} runs: the input's keys in order, then
 * {@code general.quantization_version} and {@code general.file_type} moved to the end, the tensor table and
 * the data. Every file type llama.cpp accepted on this input has a whole-file sha256 in the manifest.
 */
class WholeFileLlamaQuantizeTest {
    private static final String INPUT = "stories260K/input/stories260K-f32-with-output.gguf";

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyAcceptedFileTypeGivesLlamaCppsWholeFile() {
        JsonNode variant = Golden.json(Golden.llamaQuant("stories260K/MANIFEST.json")).path("variants").path("with-output");
        assertEquals(variant.path("input").path("sha256").asText(), sha256(Golden.llamaQuant(INPUT)), "the golden input");
        List<String> fileTypes = StreamSupport.stream(((Iterable<String>) () -> variant.path("files").fieldNames()).spliterator(), false)
                .filter(ftype -> !variant.path("files").path(ftype).path("refused").asBoolean())
                .toList();
        assertFalse(fileTypes.isEmpty());
        return fileTypes.stream().map(ftype -> DynamicTest.dynamicTest(ftype,
                () -> reproduce(ftype, variant.path("files").path(ftype))));
    }

    private void reproduce(String ftype, JsonNode expected) throws IOException {
        Path out = tmp.resolve("stories260K-" + ftype + ".gguf");
        try (GgufFile input = GgufFile.open(Golden.llamaQuant(INPUT))) {
            Variants.build(input, out, QuantizeParams.of(Recipe.gguf(ftype), 2));
        }
        assertEquals(expected.path("size").asLong(), Files.size(out), ftype + " file size");
        if (!expected.path("file").isNull()) {
            assertArrayEquals(Files.readAllBytes(Golden.llamaQuant("stories260K/" + expected.path("file").asText())),
                    Files.readAllBytes(out), ftype + " bytes");
        }
        assertEquals(expected.path("sha256").asText(), sha256(out), ftype + " whole-file sha256");
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
