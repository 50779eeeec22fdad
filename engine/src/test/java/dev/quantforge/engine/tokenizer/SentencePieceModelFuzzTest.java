package dev.quantforge.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A {@code tokenizer.model} of any bytes (SentencePiece's protobuf) is read, or refused in one line, and made
 * into a GGUF vocabulary the way a conversion does.
 */
class SentencePieceModelFuzzTest {

    private static final int VOCABULARY_SIZE = 512;
    private static final String CONFIG = "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0}";

    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) throws IOException {
        Path dir = checkpoint(input);
        FuzzInputs.typedErrorOnly(() -> vocabulary(dir));
    }

    @Test
    void theSeedsAreValidModels() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "parse")) {
            assertEquals(VOCABULARY_SIZE, vocabulary(checkpoint(Files.readAllBytes(seed))).size(), seed.toString());
        }
    }

    private static Path checkpoint(byte[] input) throws IOException {
        Path dir = FuzzInputs.directory("sentencepiece");
        Files.write(dir.resolve(HfTokenizers.SENTENCEPIECE_MODEL), input);
        return dir;
    }

    private static GgufVocabulary vocabulary(Path dir) throws IOException {
        SentencePieceModel.read(dir.resolve(HfTokenizers.SENTENCEPIECE_MODEL));
        GgufVocabulary vocabulary = HfTokenizers.read(dir, new JsonMapper().readTree(CONFIG), VOCABULARY_SIZE);
        vocabulary.metadata();
        return vocabulary;
    }
}
