package dev.quantforge.engine.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.TinyQwen2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A converted Qwen2 checkpoint with a byte-level BPE tokenizer.json runs on llama.cpp: it generates,
 * and llama.cpp's tokenizer splits text into the ids the tokenizer.json's own rules give.
 */
class TinyQwen2OnLlamaCppTest {

    @TempDir
    static Path tmp;

    static Path checkpoint;
    static LlamaModel model;

    @BeforeAll
    static void convertAndLoad() {
        checkpoint = TinyQwen2.write(tmp.resolve("tiny-qwen2"));
        Path gguf = tmp.resolve("tiny-qwen2-f16.gguf");
        HfConverter.convert(checkpoint, gguf, OutputType.F16);
        model = LlamaModel.load(gguf, LlamaModel.Options.threads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void loadsAsQwen2AndGenerates() {
        assertTrue(model.description().startsWith("qwen2 "), model.description());
        assertEquals(TinyQwen2.VOCAB, model.vocabularySize());
        int[] prompt = model.tokenize("the cat sat on the mat", true);
        int[] generated = model.greedy(prompt, 16);
        assertEquals(16, generated.length);
        for (int id : generated) {
            assertTrue(id >= 0 && id < TinyQwen2.VOCAB, "token id " + id);
        }
        System.out.printf("[qwen2] %s: prompt %s, greedy %s%n", model, Arrays.toString(prompt), Arrays.toString(generated));
    }

    @ParameterizedTest
    @ValueSource(strings = {"the", " the", "the cat", "Hello, the world!", " the the  the\n", "it's 42 then", "other\tthe\r\nend"})
    void tokenizesAsTheTokenizerJsonRulesSay(String text) {
        int[] expected = ByteLevelBpe.read(checkpoint.resolve("tokenizer.json")).encode(text);
        assertArrayEquals(expected, model.tokenize(text, false), "ids of \"" + text + "\"");
        assertEquals(text, model.detokenize(expected));
    }

    @Test
    void mergesFollowTheirRank() {
        // " the": Ġ+t (rank 0) and h+e (rank 1) first, then Ġt+he (rank 2); "the": only h+e applies
        assertArrayEquals(new int[] {258}, model.tokenize(" the", false));
        assertArrayEquals(new int[] {'t', 257}, model.tokenize("the", false));
        assertArrayEquals(new int[] {'a', 258}, model.tokenize("a the", false));
    }

    /**
     * The tokenizer.json model of {@link TinyQwen2} applied by the Hugging Face rules: the split regex
     * isolates pieces, each piece's UTF-8 bytes are spelled with the GPT-2 byte characters, and the
     * lowest-ranked adjacent pair is merged until no merge applies.
     */
    record ByteLevelBpe(Pattern split, Map<String, Integer> vocab, Map<String, Integer> ranks) {

        static ByteLevelBpe read(Path tokenizerJson) {
            JsonNode json = Golden.json(tokenizerJson);
            String regex = json.path("pre_tokenizer").path("pretokenizers").get(0).path("pattern").path("Regex").asText();
            Map<String, Integer> vocab = new HashMap<>();
            json.path("model").path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
            Map<String, Integer> ranks = new HashMap<>();
            JsonNode merges = json.path("model").path("merges");
            for (int rank = 0; rank < merges.size(); rank++) {
                ranks.put(merges.get(rank).get(0).asText() + " " + merges.get(rank).get(1).asText(), rank);
            }
            return new ByteLevelBpe(Pattern.compile(regex), vocab, ranks);
        }

        int[] encode(String text) {
            List<Integer> ids = new ArrayList<>();
            Matcher pieces = split.matcher(text);
            while (pieces.find()) {
                List<String> symbols = new ArrayList<>();
                for (byte b : pieces.group().getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(TinyQwen2.byteToken(b & 0xFF));
                }
                while (true) {
                    int best = -1;
                    int bestRank = Integer.MAX_VALUE;
                    for (int i = 0; i + 1 < symbols.size(); i++) {
                        Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                        if (rank != null && rank < bestRank) {
                            best = i;
                            bestRank = rank;
                        }
                    }
                    if (best < 0) {
                        break;
                    }
                    symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
                }
                symbols.forEach(s -> ids.add(vocab.get(s)));
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
