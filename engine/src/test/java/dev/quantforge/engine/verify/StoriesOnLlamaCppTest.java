package dev.quantforge.engine.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 3's acceptance on the real model: stories260K converted from every checkpoint precision to
 * every output type runs on llama.cpp and continues "Once upon a time" exactly as the F32 reference
 * forward pass does; the F32 conversion's perplexity on eval.txt is the reference's within 0.1 %.
 */
class StoriesOnLlamaCppTest {
    private static final LlamaModel.Options ONE_THREAD = LlamaModel.Options.threads(1);

    @TempDir
    static Path tmp;

    static JsonNode expected;
    static Path f16Checkpoint;

    @BeforeAll
    static void readExpectations() {
        expected = Golden.json(Golden.models("stories260K-expected.json")).path("models").path("stories260K");
        f16Checkpoint = StoriesCheckpoints.writeF16(tmp.resolve("stories260K-f16-hf"));
    }

    static Stream<Arguments> checkpointsAndOutputTypes() {
        List<Arguments> cases = new ArrayList<>();
        for (String checkpoint : List.of("f32", "f16", "bf16", "sharded")) {
            for (OutputType type : OutputType.values()) {
                cases.add(Arguments.of(checkpoint, type));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} checkpoint --outtype {1}")
    @MethodSource("checkpointsAndOutputTypes")
    void greedyContinuationIsTheReference(String checkpoint, OutputType type) {
        Path gguf = tmp.resolve(checkpoint + "-" + type + ".gguf");
        HfConverter.convert(checkpoint(checkpoint), gguf, type);
        JsonNode greedy = expected.path("greedy");
        int[] reference = ints(greedy.path("ids"));
        try (LlamaModel model = LlamaModel.load(gguf, ONE_THREAD)) {
            int[] prompt = model.tokenize(greedy.path("prompt").asText(), true);
            assertArrayEquals(ints(greedy.path("prompt_ids")), prompt);
            int[] generated = model.greedy(prompt, reference.length);
            System.out.printf("[greedy] %s checkpoint --outtype %s: %d of %d tokens as the reference%n",
                    checkpoint, type, samePrefix(reference, generated), reference.length);
            assertArrayEquals(reference, generated, checkpoint + " checkpoint converted to " + type);
        }
    }

    @Test
    void f32PerplexityIsTheReferenceWithinATenthOfAPercent() {
        Path gguf = tmp.resolve("ppl-f32.gguf");
        HfConverter.convert(StoriesCheckpoints.f32(), gguf, OutputType.F32);
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        JsonNode f32 = expected.path("eval_ppl").path("f32");
        double reference = f32.path("overall").path("ppl").asDouble();

        Perplexity exact;
        Perplexity defaultCache;
        try (LlamaModel model = LlamaModel.load(gguf, ONE_THREAD.withKvCache(GgmlType.F32))) {
            exact = model.perplexity(paragraphs);
        }
        try (LlamaModel model = LlamaModel.load(gguf, ONE_THREAD)) {
            defaultCache = model.perplexity(paragraphs);
        }
        System.out.printf("[ppl] F32 conversion: %.7f with an F32 KV cache (%+.5f%%), %.7f with llama.cpp's default F16 cache (%+.5f%%); reference %.7f%n",
                exact.ppl(), 100 * (exact.ppl() / reference - 1), defaultCache.ppl(), 100 * (defaultCache.ppl() / reference - 1), reference);
        assertEquals(f32.path("overall").path("n_text_tokens").asInt(), exact.textTokens());
        assertEquals(reference, exact.ppl(), reference * 0.001);
        for (Perplexity.Paragraph paragraph : exact.paragraphs()) {
            double expectedPpl = f32.path("paragraphs").get(paragraph.index()).path("ppl").asDouble();
            assertEquals(expectedPpl, paragraph.ppl(), expectedPpl * 0.001, "paragraph " + paragraph.index());
        }
    }

    @Test
    void bf16CheckpointPerplexityIsItsReferenceWithinATenthOfAPercent() {
        Path gguf = tmp.resolve("ppl-bf16.gguf");
        HfConverter.convert(StoriesCheckpoints.bf16(), gguf, OutputType.F32);
        double reference = expected.path("eval_ppl").path("bf16").path("overall").path("ppl").asDouble();
        try (LlamaModel model = LlamaModel.load(gguf, ONE_THREAD.withKvCache(GgmlType.F32))) {
            double ppl = model.perplexity(EvalText.read(Golden.models("eval.txt"))).ppl();
            System.out.printf("[ppl] BF16 checkpoint: %.7f (%+.5f%%); reference %.7f%n", ppl, 100 * (ppl / reference - 1), reference);
            assertEquals(reference, ppl, reference * 0.001);
        }
    }

    private static Path checkpoint(String name) {
        return switch (name) {
            case "f32" -> StoriesCheckpoints.f32();
            case "f16" -> f16Checkpoint;
            case "bf16" -> StoriesCheckpoints.bf16();
            case "sharded" -> StoriesCheckpoints.sharded();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static int samePrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
