package dev.quantforge.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every stories260K file llama.cpp quantized (tied and with-output) on the bundled runtime with one
 * thread: perplexity on eval.txt against the F32 reference, greedy agreement, mean KL divergence
 * from Q6_K, load time, and speed after a warm-up (best of three). Prints a table; run with
 * {@code -Dgroups=slow -Dtest.excludedGroups=}.
 */
@Tag("slow")
class LlamaShippedVariantsBenchmarkTest {
    private static final int ROUNDS = 3;

    @Test
    void everyShippedVariantRunsAndScoresPlausibly() throws IOException {
        JsonNode expected = Golden.json(Golden.models("stories260K-expected.json")).path("models").path("stories260K");
        double referencePpl = expected.path("eval_ppl").path("f32").path("overall").path("ppl").asDouble();
        int[] prompt = LlamaModelTest.ints(expected.path("greedy").path("prompt_ids"));
        int[] referenceIds = LlamaModelTest.ints(expected.path("greedy").path("ids"));
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        Path root = Golden.llamaQuant("stories260K");

        float[][] q6k = new float[expected.path("eval_ppl").path("f32").path("overall").path("n_text_tokens").asInt()][];
        try (LlamaModel reference = LlamaModel.load(root.resolve("tied/stories260K-Q6_K.gguf"), LlamaModel.Options.threads(1))) {
            reference.perplexity(paragraphs, (index, target, logits) -> q6k[index] = logits.clone());
        }

        System.out.printf("%-36s %9s %8s %7s %11s %8s %9s %9s%n", "file", "ppl", "vs F32", "greedy", "KL vs Q6_K",
                "load ms", "pp tok/s", "tg tok/s");
        List<Path> files;
        try (Stream<Path> found = Stream.concat(Files.list(root.resolve("tied")), Files.list(root.resolve("with-output")))) {
            files = found.filter(f -> f.toString().endsWith(".gguf")).sorted().toList();
        }
        for (Path file : files) {
            long loadStarted = System.nanoTime();
            try (LlamaModel model = LlamaModel.load(file, LlamaModel.Options.threads(1))) {
                long loadNanos = System.nanoTime() - loadStarted;
                double[] kl = new double[1];
                Perplexity ppl = model.perplexity(paragraphs, (index, target, logits) ->
                        kl[0] += klDivergence(q6k[index], logits));
                long bestPrompt = Long.MAX_VALUE;
                long bestGeneration = Long.MAX_VALUE;
                int[] generated = null;
                for (int round = 0; round < ROUNDS; round++) {
                    long t0 = System.nanoTime();
                    model.perplexity(paragraphs);
                    long t1 = System.nanoTime();
                    generated = model.greedy(prompt, referenceIds.length);
                    long t2 = System.nanoTime();
                    bestPrompt = Math.min(bestPrompt, t1 - t0);
                    bestGeneration = Math.min(bestGeneration, t2 - t1);
                }
                int same = 0;
                while (same < referenceIds.length && generated[same] == referenceIds[same]) {
                    same++;
                }
                System.out.printf("%-36s %9.6f %+7.2f%% %4d/%d %11.6f %8.0f %9.0f %9.0f%n",
                        root.relativize(file), ppl.ppl(), 100 * (ppl.ppl() / referencePpl - 1), same, referenceIds.length,
                        kl[0] / ppl.textTokens(), loadNanos / 1e6, ppl.textTokens() / (bestPrompt / 1e9),
                        referenceIds.length / (bestGeneration / 1e9));
                assertEquals(q6k.length, ppl.textTokens());
                assertTrue(ppl.ppl() > referencePpl * 0.9 && ppl.ppl() < referencePpl * 1.5,
                        file + " perplexity " + ppl.ppl() + " is implausible next to F32 " + referencePpl);
            }
        }
    }

    /** KL(p || q) of the softmax distributions of two logits rows, in float64. */
    private static double klDivergence(float[] p, float[] q) {
        double pMax = Double.NEGATIVE_INFINITY;
        double qMax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i++) {
            pMax = Math.max(pMax, p[i]);
            qMax = Math.max(qMax, q[i]);
        }
        double pSum = 0;
        double qSum = 0;
        for (int i = 0; i < p.length; i++) {
            pSum += Math.exp(p[i] - pMax);
            qSum += Math.exp(q[i] - qMax);
        }
        double pLog = pMax + Math.log(pSum);
        double qLog = qMax + Math.log(qSum);
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double lp = p[i] - pLog;
            kl += Math.exp(lp) * (lp - (q[i] - qLog));
        }
        return kl;
    }
}
