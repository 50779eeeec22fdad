package dev.quantforge.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A {@code tokenizer.json} of any bytes is read, or refused in one line, and made into a GGUF vocabulary. */
class TokenizerJsonFuzzTest {

    private static final int VOCABULARY_SIZE = 16;
    private static final String CONFIG = "{\"bos_token_id\": 9, \"eos_token_id\": 9}";

    @FuzzTest(maxDuration = "20s")
    void read(byte[] input) throws IOException {
        Path dir = checkpoint(input);
        FuzzInputs.typedErrorOnly(() -> vocabulary(dir));
    }

    @Test
    void theSeedsAreValidTokenizers() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "read")) {
            assertEquals(VOCABULARY_SIZE, vocabulary(checkpoint(Files.readAllBytes(seed))).size(), seed.toString());
        }
    }

    private static Path checkpoint(byte[] input) throws IOException {
        Path dir = FuzzInputs.directory("tokenizer-json");
        Files.write(dir.resolve(HfTokenizers.TOKENIZER_JSON), input);
        return dir;
    }

    private static GgufVocabulary vocabulary(Path dir) throws IOException {
        TokenizerJson json = TokenizerJson.read(dir.resolve(HfTokenizers.TOKENIZER_JSON));
        json.merges();
        json.preTokenizer();
        json.postProcessor();
        json.decoderType();
        json.byteFallback();
        GgufVocabulary vocabulary = HfTokenizers.read(dir, new JsonMapper().readTree(CONFIG), VOCABULARY_SIZE);
        vocabulary.metadata();
        return vocabulary;
    }
}
