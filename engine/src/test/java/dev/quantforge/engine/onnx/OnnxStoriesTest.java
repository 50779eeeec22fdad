package dev.quantforge.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's acceptance on the real model: stories260K exported to fp32 ONNX runs on ONNX Runtime with
 * the reference perplexity, the reference greedy continuation, llama.cpp F32's logits, and the same logits
 * token by token through the KV cache as over the whole window.
 */
class OnnxStoriesTest {
    @TempDir
    static Path tmp;

    static JsonNode expected;
    static Path onnx;
    static LlamaModel llama;
    static OnnxDecoder decoder;

    @BeforeAll
    static void export() {
        expected = Golden.json(Golden.models("stories260K-expected.json")).path("models").path("stories260K");
        onnx = tmp.resolve("stories260K-onnx-fp32");
        OnnxExporter.Result result = OnnxExporter.export(Models.stories260K(), onnx, OnnxExportOptions.of(OnnxPrecision.FP32),
                t -> { }, () -> false);
        System.out.printf("[onnx] fp32 export: %d tensors, %d bytes in %d ms%n", result.tensors(), result.bytes(),
                result.elapsed().toMillis());
        Path gguf = tmp.resolve("stories260K-F32.gguf");
        HfConverter.convert(Models.stories260K(), gguf, OutputType.F32);
        llama = LlamaModel.load(gguf, LlamaModel.Options.threads(1).withKvCache(GgmlType.F32));
        decoder = OnnxDecoder.load(onnx, new OnnxDecoder.Options(1, 512));
        decoder.useTokenizer(llama::tokenize, llama.bosToken());
    }

    @AfterAll
    static void close() {
        if (decoder != null) {
            decoder.close();
        }
        if (llama != null) {
            llama.close();
        }
    }

    @Test
    void outputDirectoryHoldsWhatConsumersExpect() {
        for (String file : List.of("model.onnx", "model.onnx.data", "genai_config.json", "config.json", "tokenizer.model",
                "README.md")) {
            assertTrue(Files.isRegularFile(onnx.resolve(file)), file);
        }
    }

    @Test
    void perplexityIsTheReferenceWithinFiveHundredthsOfAPercent() {
        List<String> paragraphs = EvalText.read(Golden.models("eval.txt"));
        double reference = expected.path("eval_ppl").path("f32").path("overall").path("ppl").asDouble();
        List<float[]> onnxRows = new ArrayList<>();
        Perplexity ppl = decoder.perplexity(paragraphs, (i, target, logits) -> onnxRows.add(logits.clone()));
        List<float[]> llamaRows = new ArrayList<>();
        Perplexity llamaPpl = llama.perplexity(paragraphs, (i, target, logits) -> llamaRows.add(logits.clone()));
        double maxDiff = 0;
        assertEquals(llamaRows.size(), onnxRows.size());
        for (int i = 0; i < onnxRows.size(); i++) {
            for (int v = 0; v < onnxRows.get(i).length; v++) {
                maxDiff = Math.max(maxDiff, Math.abs(onnxRows.get(i)[v] - llamaRows.get(i)[v]));
            }
        }
        System.out.printf("[onnx] fp32 perplexity %.7f (%+.5f%% of the reference %.7f; llama.cpp F32 %.7f), max |logit diff| vs llama.cpp %.3g over %d positions%n",
                ppl.ppl(), 100 * (ppl.ppl() / reference - 1), reference, llamaPpl.ppl(), maxDiff, onnxRows.size());
        assertEquals(reference, ppl.ppl(), reference * 0.0005);
        assertTrue(maxDiff <= 1e-3, "max |logit difference| " + maxDiff);
    }

    @Test
    void greedyContinuationIsTheReference() {
        JsonNode greedy = expected.path("greedy");
        int[] prompt = llama.tokenize(greedy.path("prompt").asText(), true);
        int[] reference = ints(greedy.path("ids"));
        assertArrayEquals(reference, decoder.greedy(prompt, reference.length));
    }

    @Test
    void decodingTokenByTokenGivesTheFullWindowsLogits() {
        int[] tokens = llama.tokenize(EvalText.read(Golden.models("eval.txt")).get(0), true);
        tokens = java.util.Arrays.copyOf(tokens, Math.min(tokens.length, 96));
        float[][] full = decoder.logits(tokens);
        double maxDiff = 0;
        try (OnnxDecoder.Cache cache = decoder.newCache()) {
            // a prompt of 5, then one token at a time
            float[][] first = decoder.run(cache, java.util.Arrays.copyOf(tokens, 5));
            for (int i = 0; i < 5; i++) {
                maxDiff = Math.max(maxDiff, maxAbs(first[i], full[i]));
            }
            for (int i = 5; i < tokens.length; i++) {
                maxDiff = Math.max(maxDiff, maxAbs(decoder.run(cache, new int[]{tokens[i]})[0], full[i]));
            }
        }
        System.out.printf("[onnx] KV-cache decode vs full window: max |logit diff| %.3g over %d positions%n", maxDiff, tokens.length);
        assertTrue(maxDiff <= 1e-4, "max |logit difference| " + maxDiff);
    }

    static double maxAbs(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
