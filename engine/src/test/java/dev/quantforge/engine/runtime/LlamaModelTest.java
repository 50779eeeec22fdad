package dev.quantforge.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K as llama.cpp itself quantized it to Q6_K (every 2-D tensor falls back to q8_0 on this
 * tiny model, ffn_down to f16), run on the bundled llama.cpp and checked against the F32 reference
 * figures of stories260K-expected.json.
 */
class LlamaModelTest {
    private static final Path Q6_K = Golden.llamaQuant("stories260K/tied/stories260K-Q6_K.gguf");
    private static JsonNode expected;
    private static LlamaModel model;

    @BeforeAll
    static void load() {
        expected = Golden.json(Golden.models("stories260K-expected.json")).path("models").path("stories260K");
        model = LlamaModel.load(Q6_K, LlamaModel.Options.threads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void describesTheModel() {
        assertEquals(512, model.vocabularySize());
        assertEquals(512, model.contextLength(), "context comes from the model's training context");
        assertEquals(1, model.bosToken());
        assertEquals(expected.path("n_params").asLong(), model.parameterCount());
        assertTrue(model.description().startsWith("llama "), model.description());
        System.out.println("[model] " + model);
    }

    @Test
    void tokenizesLikeSentencePiece() {
        for (JsonNode check : expected.path("tokenizer_checks")) {
            String text = check.path("text").asText();
            int[] ids = ints(check.path("ids"));
            assertArrayEquals(ids, model.tokenize(text, true), text);
            assertEquals(text, model.detokenize(ids), "round trip of " + text);
        }
    }

    @Test
    void tokenizesTheEvalParagraphsLikeTheReference() {
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        JsonNode ids = expected.path("eval_text_ids");
        assertEquals(ids.size(), paragraphs.size());
        for (int p = 0; p < paragraphs.size(); p++) {
            assertArrayEquals(ints(ids.get(p)), model.tokenize(paragraphs.get(p), false), "paragraph " + p);
        }
    }

    @Test
    void greedyContinuationFollowsTheReference() {
        JsonNode greedy = expected.path("greedy");
        int[] prompt = ints(greedy.path("prompt_ids"));
        int[] reference = ints(greedy.path("ids"));
        assertArrayEquals(prompt, model.tokenize(greedy.path("prompt").asText(), true));

        long started = System.nanoTime();
        int[] generated = model.greedy(prompt, reference.length);
        double seconds = (System.nanoTime() - started) / 1e9;

        int same = 0;
        while (same < reference.length && generated[same] == reference[same]) {
            same++;
        }
        ByteArrayOutputStream continuation = new ByteArrayOutputStream();
        for (int id : generated) {
            continuation.writeBytes(model.piece(id));
        }
        int[] full = IntStream.concat(IntStream.of(prompt).skip(1), IntStream.of(generated)).toArray();
        System.out.printf("[greedy] Q6_K matches the F32 reference for %d of %d tokens, %.0f tokens/s with 1 thread%n%s%n",
                same, reference.length, reference.length / seconds, model.detokenize(full));
        assertTrue(same >= 32, "Q6_K (q8_0 weights) should follow the F32 greedy path for at least 32 tokens, matched " + same);
        if (same == reference.length) {
            assertEquals(greedy.path("continuation_text").asText(), continuation.toString(StandardCharsets.UTF_8));
            assertEquals(greedy.path("full_text").asText(), model.detokenize(full));
        }
    }

    @Test
    void perplexityOfEvalTextIsCloseToTheF32Reference() {
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        List<Integer> targets = new ArrayList<>();
        double[] consumerNll = new double[1];
        long started = System.nanoTime();
        Perplexity result = model.perplexity(paragraphs, (index, target, logits) -> {
            assertEquals(targets.size(), index);
            assertEquals(model.vocabularySize(), logits.length);
            targets.add(target);
            consumerNll[0] += LlamaModel.negativeLogLikelihood(logits, target);
        });
        double seconds = (System.nanoTime() - started) / 1e9;

        JsonNode f32 = expected.path("eval_ppl").path("f32");
        double referencePpl = f32.path("overall").path("ppl").asDouble();
        System.out.printf("[ppl] Q6_K %.6f vs F32 reference %.6f (%+.3f%%), %d tokens, %.0f tokens/s with 1 thread%n",
                result.ppl(), referencePpl, 100 * (result.ppl() / referencePpl - 1), result.textTokens(),
                result.textTokens() / seconds);
        assertEquals(f32.path("overall").path("n_text_tokens").asInt(), result.textTokens());
        assertEquals(result.textTokens(), targets.size(), "the consumer sees every scored position once");
        assertEquals(result.nllSum(), consumerNll[0], 1e-9);
        assertEquals(referencePpl, result.ppl(), referencePpl * 0.02);
        for (Perplexity.Paragraph paragraph : result.paragraphs()) {
            JsonNode reference = f32.path("paragraphs").get(paragraph.index());
            assertEquals(reference.path("n_text_tokens").asInt(), paragraph.textTokens());
            assertEquals(reference.path("n_windows").asInt(), paragraph.windows());
            assertEquals(reference.path("ppl").asDouble(), paragraph.ppl(), reference.path("ppl").asDouble() * 0.03,
                    "paragraph " + paragraph.index());
        }
        int[] flattened = new int[targets.size()];
        int k = 0;
        for (JsonNode ids : expected.path("eval_text_ids")) {
            for (JsonNode id : ids) {
                flattened[k++] = id.asInt();
            }
        }
        assertArrayEquals(flattened, targets.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void shortContextScoresEveryTokenOnceAcrossWindows() {
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        JsonNode f32 = expected.path("eval_ppl").path("f32");
        try (LlamaModel shortContext = LlamaModel.load(Q6_K, new LlamaModel.Options(1, 128))) {
            assertEquals(128, shortContext.contextLength());
            Perplexity result = shortContext.perplexity(paragraphs);
            assertEquals(128, result.contextLength());
            assertEquals(f32.path("overall").path("n_text_tokens").asInt(), result.textTokens());
            for (Perplexity.Paragraph paragraph : result.paragraphs()) {
                assertEquals((paragraph.textTokens() + 126) / 127, paragraph.windows(), "paragraph " + paragraph.index());
            }
            // each later window starts again from BOS, so the text is harder to predict than with 512 positions
            assertTrue(result.ppl() > model.perplexity(paragraphs).ppl(), "ppl with 128 positions " + result.ppl());
            System.out.printf("[ppl] Q6_K with a context of 128: %.6f%n", result.ppl());
        }
    }

    @Test
    void refusesWorkBeyondTheContextAndAfterClose() {
        int[] prompt = model.tokenize("Once upon a time", true);
        assertThrows(InvalidInputException.class, () -> model.greedy(prompt, model.contextLength()));
        assertThrows(IllegalArgumentException.class, () -> model.greedy(new int[]{1, model.vocabularySize()}, 1));
        LlamaModel closed = LlamaModel.load(Q6_K, LlamaModel.Options.threads(1));
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.greedy(prompt, 1));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
