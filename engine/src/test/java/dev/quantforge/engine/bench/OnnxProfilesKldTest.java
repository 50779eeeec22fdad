package dev.quantforge.engine.bench;

import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.QualityGates;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.BigramLlamaCheckpoint;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.QuantizedVariants;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX profiles' variants (built through the door from the profiles' own recipes, run on ONNX Runtime's CPU
 * execution provider) beside GGUF Q8_0 and Q4_0 (llama.cpp), every one against the same reference logits the worker
 * uses (kept within 1 % of the source's size): the figures their gates are set from (docs/benchmark.md). Every profile
 * passes its gates on the generated llama model; on stories260K (64- and 172-wide rows) int8 passes and the int4
 * profiles are held to what they measure there.
 */
@Tag("slow")
class OnnxProfilesKldTest {
    private static final List<String> TEXT = EvalText.paragraphs(EvalText.bundledDefault());
    private static final VariantBenchmark.Options NO_SPEED = new VariantBenchmark.Options(1, 32, 16, 0, 1, false);
    private static final List<String> PROFILES = List.of("cpu-onnx-int8", "cpu-onnx-int4", "gpu-onnx-int4");

    @TempDir
    Path tmp;

    @Test
    void stories260K() {
        Map<String, BenchmarkReport> reports = measure(Models.stories260K(), tmp.resolve("stories"));
        assertPass(reports, PROFILES);
        assertOrdered(reports);
    }

    @Test
    void generatedModel() throws IOException {
        Path checkpoint = BigramLlamaCheckpoint.write(tmp.resolve("bigram-hf"), calibrationTokens(), 256);
        Map<String, BenchmarkReport> reports = measure(checkpoint, tmp.resolve("bigram"));
        assertPass(reports, PROFILES);
        assertOrdered(reports);
    }

    private static void assertOrdered(Map<String, BenchmarkReport> reports) {
        double int8 = reports.get("cpu-onnx-int8").quality().meanKld();
        double b32 = reports.get("cpu-onnx-int4").quality().meanKld();
        double b128 = reports.get("gpu-onnx-int4").quality().meanKld();
        assertTrue(int8 < b32 && b32 < b128, "int8 " + int8 + " < int4-b32 " + b32 + " < int4-b128 " + b128);
    }

    private static void assertPass(Map<String, BenchmarkReport> reports, List<String> profiles) {
        for (String name : profiles) {
            QualityGates gates = HardwareProfiles.builtIn().find(name).orElseThrow().gates();
            BenchmarkReport r = reports.get(name);
            assertEquals(List.of(), gates.check(r.summary()), name + ": " + r.summary());
        }
    }

    private static Map<String, BenchmarkReport> measure(Path checkpoint, Path dir) {
        long sourceBytes = VariantBenchmark.bytesOnDisk(checkpoint);
        ReferenceLogits reference = VariantBenchmark.referenceLogits(checkpoint, sourceBytes, TEXT, 1, dir.resolve("scratch"));
        Map<String, Path> variants = new LinkedHashMap<>();
        for (String name : PROFILES) {
            HardwareProfile profile = HardwareProfiles.builtIn().find(name).orElseThrow();
            Path out = dir.resolve(profile.recipe().variantName());
            try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
                Variants.build(source, out, QuantizeParams.of(profile.recipe(), 1));
            }
            variants.put(name, out);
        }
        for (String type : List.of("Q8_0", "Q4_0")) {
            variants.put(type, QuantizedVariants.quantize(checkpoint, type, dir.resolve("gguf-" + type + ".gguf")).output());
        }
        System.out.printf("%n%s%n", checkpoint.getFileName());
        System.out.println("| variant | profile | runtime | bytes | bpw | PPL | ΔPPL % | mean KLD | same-top % |");
        System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|");
        Map<String, BenchmarkReport> reports = new LinkedHashMap<>();
        for (var entry : variants.entrySet()) {
            Path variant = entry.getValue();
            try (ModelSource source = ModelSources.open(checkpoint)) {
                BenchmarkReport r = Variants.runtimeFor(variant).benchmark(variant, source, sourceBytes, TEXT, reference,
                        NO_SPEED, VariantBenchmark.Progress.NONE, () -> false);
                System.out.printf("| %s | %s | %s | %d | %.2f | %.4f | %+.3f | %.6f | %.2f |%n", r.variant().fileType(),
                        entry.getKey().startsWith("Q") ? "" : entry.getKey(), r.runtime().name(), r.size().bytes(),
                        r.size().bitsPerWeight(), r.quality().perplexity(), r.quality().perplexityIncreasePercent(),
                        r.quality().meanKld(), r.quality().sameTopPercent());
                reports.put(entry.getKey(), r);
            }
        }
        return reports;
    }

    /** calib.txt as stories260K tokenizes it, BOS before every paragraph, as KldOrderingTest trains its model. */
    private int[] calibrationTokens() throws IOException {
        Path f32 = QuantizedVariants.f32(Models.stories260K(), tmp.resolve("stories-tokenizer.gguf")).output();
        String calibration = Files.readString(Models.stories260K().getParent().resolve("calib.txt"));
        try (LlamaModel tokenizer = LlamaModel.load(f32, LlamaModel.Options.threads(1))) {
            return EvalText.paragraphs(calibration).stream()
                    .flatMapToInt(p -> IntStream.concat(IntStream.of(tokenizer.bosToken()), IntStream.of(tokenizer.tokenize(p, false))))
                    .toArray();
        }
    }
}
