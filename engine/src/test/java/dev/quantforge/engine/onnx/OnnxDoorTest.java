package dev.quantforge.engine.onnx;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.TinyQwen2;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.engine.variant.OnnxTarget;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Target;
import dev.quantforge.engine.variant.VariantPlan;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX through the engine's one door: recipes, plans, builds, the runtime chosen by what the output is, bad input. */
class OnnxDoorTest {
    @TempDir
    Path tmp;

    private static Recipe onnx(String precision, Map<String, String> settings) {
        return new Recipe("onnx", precision, false, null, null, false, List.of(), new TreeMap<>(settings));
    }

    @Test
    void recipeMapsPrecisionAndSettings() {
        Target target = QuantizeParams.target(onnx("int4", Map.of("blockSize", "128", "symmetric", "true", "accuracyLevel", "4")));
        OnnxExportOptions options = ((OnnxTarget) target).options();
        assertEquals(OnnxPrecision.INT4, options.precision());
        assertEquals(128, options.blockSize());
        assertTrue(options.symmetric());
        assertEquals(4, options.accuracyLevel());
        assertEquals("onnx-int4-b128-sym-acc4", target.name());
        assertEquals("onnx-fp16", QuantizeParams.target(onnx("FP16", Map.of())).name());
        for (Recipe bad : List.of(onnx("int3", Map.of()), onnx("int4", Map.of("blockSize", "48")),
                onnx("int4", Map.of("accuracyLevel", "5")), onnx("int8", Map.of("blockSize", "32")),
                onnx("int4", Map.of("groupSize", "32")), onnx("int4", Map.of("symmetric", "yes")),
                new Recipe("onnx", "int4", true, null, null, false, List.of()))) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> QuantizeParams.target(bad));
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void buildsPlansAndBenchmarksThroughTheDoor() {
        Path out = tmp.resolve("stories-int8");
        QuantizeParams params = QuantizeParams.of(onnx("int8", Map.of()), 1);
        try (ModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            VariantPlan plan = Variants.plan(source, params);
            assertEquals(48, plan.rows().size(), "47 checkpoint tensors and the tied lm_head");
            assertTrue(plan.blockQuantized());
            BuiltVariant built = Variants.build(source, out, params);
            assertEquals(plan.summary().tensorBytes(), built.written().tensorBytes());
            assertTrue(plan.table().contains("int8 per-channel DequantizeLinear"));
        }
        Path gguf = tmp.resolve("stories-F32.gguf");
        HfConverter.convert(Models.stories260K(), gguf, OutputType.F32);
        List<String> paragraphs = EvalText.paragraphs(EvalText.bundledDefault());
        ReferenceLogits reference;
        try (LlamaModel model = LlamaModel.load(gguf, VariantBenchmark.modelOptions(gguf, 1))) {
            reference = ReferenceLogits.compute(model, paragraphs, ReferenceLogits.DEFAULT_TOP_K);
        }
        BenchmarkReport report;
        try (ModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            report = Variants.runtimeFor(out).benchmark(out, source, VariantBenchmark.bytesOnDisk(Models.stories260K()),
                    paragraphs, reference, new VariantBenchmark.Options(1, 32, 16, 0, 1, true), f -> { }, () -> false);
        }
        System.out.print(report.table());
        assertEquals("onnxruntime " + OnnxDecoder.runtimeVersion(), report.runtime().name());
        assertNotNull(report.quality());
        assertTrue(report.quality().meanKld() > 0 && report.quality().meanKld() < 0.05, "int8 KLD " + report.quality().meanKld());
        assertEquals("int8", report.variant().fileType());
        assertNotNull(report.speed());
        assertTrue(report.speed().peakRssBytes() != null && report.speed().peakRssBytes() > 20_000_000,
                "peak RSS " + report.speed().peakRssBytes());
        BenchmarkReport back = BenchmarkReport.fromJson(report.toJson());
        assertEquals(report.runtime(), back.runtime());
    }

    @Test
    void qwen2AndMistralFixturesMatchLlamaCpp() throws IOException {
        Path qwen = TinyQwen2.write(tmp.resolve("tiny-qwen2"));
        Path mistral = tmp.resolve("stories-as-mistral");
        copy(Models.stories260K(), mistral);
        ObjectNode config = (ObjectNode) JsonFiles.readObject(mistral.resolve("config.json"));
        config.putArray("architectures").add("MistralForCausalLM");
        config.put("model_type", "mistral");
        Files.writeString(mistral.resolve("config.json"), config.toPrettyString());
        for (Path checkpoint : List.of(qwen, mistral)) {
            Path out = tmp.resolve(checkpoint.getFileName() + "-onnx");
            OnnxExporter.export(checkpoint, out, OnnxExportOptions.of(OnnxPrecision.FP32), t -> { }, () -> false);
            Path gguf = tmp.resolve(checkpoint.getFileName() + ".gguf");
            HfConverter.convert(checkpoint, gguf, OutputType.F32);
            List<String> text = List.of("the cat sat on the mat and the dog sat on the log");
            List<float[]> expected = new ArrayList<>();
            List<float[]> actual = new ArrayList<>();
            try (LlamaModel llama = LlamaModel.load(gguf, LlamaModel.Options.threads(1).withKvCache(GgmlType.F32));
                 OnnxDecoder decoder = OnnxDecoder.load(out, new OnnxDecoder.Options(1, llama.contextLength()))) {
                llama.perplexity(text, (i, target, logits) -> expected.add(logits.clone()));
                decoder.useTokenizer(llama::tokenize, llama.bosToken());
                decoder.perplexity(text, (i, target, logits) -> actual.add(logits.clone()));
            }
            double max = 0;
            double scale = 1;
            for (int i = 0; i < expected.size(); i++) {
                max = Math.max(max, OnnxStoriesTest.maxAbs(expected.get(i), actual.get(i)));
                for (float v : expected.get(i)) {
                    scale = Math.max(scale, Math.abs(v));
                }
            }
            System.out.printf("[onnx] %s fp32 vs llama.cpp F32: max |logit diff| %.3g (largest logit %.3g) over %d positions%n",
                    checkpoint.getFileName(), max, scale, expected.size());
            assertEquals(expected.size(), actual.size());
            assertTrue(max <= 1e-3 * scale, checkpoint.getFileName() + ": " + max);
        }
    }

    @Test
    void badInputFailsWithOneLineAndLeavesNothingBehind() throws IOException {
        Path unknown = tmp.resolve("unknown-arch");
        copy(Models.stories260K(), unknown);
        ObjectNode config = (ObjectNode) JsonFiles.readObject(unknown.resolve("config.json"));
        config.putArray("architectures").add("GPT2LMHeadModel");
        Files.writeString(unknown.resolve("config.json"), config.toPrettyString());
        Path noTokenizer = tmp.resolve("no-tokenizer");
        copy(Models.stories260K(), noTokenizer);
        Files.delete(noTokenizer.resolve("tokenizer.model"));
        Path outputs = Files.createDirectories(tmp.resolve("outputs"));
        for (Path checkpoint : List.of(unknown, noTokenizer)) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxExporter.export(checkpoint,
                    outputs.resolve("out"), OnnxExportOptions.of(OnnxPrecision.INT4), t -> { }, () -> false));
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        // cancelled half way: no output, no temporary sibling
        int[] seen = {0};
        assertThrows(java.util.concurrent.CancellationException.class, () -> OnnxExporter.export(Models.stories260K(),
                outputs.resolve("out"), OnnxExportOptions.of(OnnxPrecision.FP32), t -> seen[0]++, () -> seen[0] > 10));
        try (Stream<Path> left = Files.list(outputs)) {
            assertEquals(List.of(), left.toList());
        }
        // an output ONNX Runtime refuses: one line naming the directory
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.write(broken.resolve("model.onnx"), new byte[]{8, 8, 0x3a, 5, 1, 2, 3});
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> OnnxDecoder.load(broken, new OnnxDecoder.Options(1, 16)));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("ONNX Runtime"), e.getMessage());
        // an ONNX target needs the Hugging Face checkpoint itself
        Path gguf = tmp.resolve("stories.gguf");
        HfConverter.convert(Models.stories260K(), gguf, OutputType.F32);
        try (ModelSource source = dev.quantforge.engine.model.ModelSources.open(gguf)) {
            assertThrows(InvalidInputException.class, () -> Variants.plan(source, QuantizeParams.of(onnx("fp32", Map.of()), 1)));
        }
    }

    @Test
    void int4BlockWiderThanARowIsPaddedAsOnnxRuntimesQuantizerPads() {
        // stories260K's rows are 64 and 172 wide: blocks of 128 pad both, as matmul_nbits_quantizer does
        Path out = tmp.resolve("stories-int4-b128");
        OnnxExporter.export(Models.stories260K(), out, OnnxExportOptions.of(OnnxPrecision.INT4).withBlockSize(128),
                t -> { }, () -> false);
        try (OnnxDecoder decoder = OnnxDecoder.load(out, new OnnxDecoder.Options(1, 64))) {
            float[][] logits = decoder.logits(new int[]{1, 403, 407, 261, 378});
            assertEquals(512, logits[4].length);
            assertFalse(Float.isNaN(logits[4][0]));
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }
}
