package dev.quantforge.engine.bench;

import dev.quantforge.common.jobs.MlxRecipes;
import dev.quantforge.common.jobs.Recipe;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLX and GGUF variants of the same model side by side, every one against the same reference logits: MLX's
 * dequantized on llama.cpp ({@link MlxBenchmark}), GGUF's as stored. On the generated llama-shaped model (rows of
 * 256 and 768, every quantization applies) mean KLD follows MLX's bits: 8bit < 6bit < 4bit < mixed_3_6 < 3bit.
 * Prints the tables docs/benchmark.md quotes.
 */
class MlxKldOrderingTest {
    private static final List<String> TEXT = EvalText.paragraphs(EvalText.bundledDefault());
    private static final VariantBenchmark.Options NO_SPEED = new VariantBenchmark.Options(1, 32, 16, 0, 1, false);
    private static final List<String> MLX = List.of("8bit", "6bit", "4bit", "mixed_3_6", "3bit");

    @TempDir
    Path tmp;

    @Test
    void stories260K() {
        Map<String, BenchmarkReport> reports = measure(Models.stories260K(), tmp.resolve("stories"),
                List.of("8bit", "4bit", "mixed_3_6"), List.of("Q8_0", "Q4_0"));
        assertOrdered(reports, List.of("8bit", "4bit", "mixed_3_6"));
    }

    @Test
    void generatedModel() throws IOException {
        Path checkpoint = BigramLlamaCheckpoint.write(tmp.resolve("bigram-hf"), calibrationTokens(), 256);
        Map<String, BenchmarkReport> reports = measure(checkpoint, tmp.resolve("bigram"), MLX, List.of("Q8_0", "Q6_K",
                "Q4_0", "Q4_K_M", "Q3_K_M"));
        assertOrdered(reports, MLX);
    }

    private static void assertOrdered(Map<String, BenchmarkReport> reports, List<String> order) {
        for (int i = 1; i < order.size(); i++) {
            double before = reports.get(order.get(i - 1)).quality().meanKld();
            double after = reports.get(order.get(i)).quality().meanKld();
            assertTrue(Double.isFinite(before) && before > 0 && before < after,
                    order.get(i - 1) + " " + before + " < " + order.get(i) + " " + after);
        }
    }

    private static Map<String, BenchmarkReport> measure(Path checkpoint, Path dir, List<String> mlx, List<String> gguf) {
        long sourceBytes = VariantBenchmark.bytesOnDisk(checkpoint);
        ReferenceLogits reference = VariantBenchmark.referenceLogits(checkpoint, sourceBytes, TEXT, 1, dir.resolve("scratch"));
        Map<String, BenchmarkReport> reports = new LinkedHashMap<>();
        List<Path> variants = new ArrayList<>();
        for (String name : mlx) {
            Path out = dir.resolve("mlx-" + name);
            Recipe recipe = name.startsWith("mixed_") ? MlxRecipes.recipe("affine", 4, 64, name, null, null)
                    : MlxRecipes.recipe("affine", Integer.parseInt(name.substring(0, name.indexOf('b'))), 64, null, null, null);
            try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
                Variants.build(source, out, QuantizeParams.of(recipe, 1));
            }
            variants.add(out);
        }
        for (String type : gguf) {
            variants.add(QuantizedVariants.quantize(checkpoint, type, dir.resolve("gguf-" + type + ".gguf")).output());
        }
        System.out.printf("%n%s%n", checkpoint.getFileName());
        System.out.println("| variant | format | bytes | bpw | PPL | ΔPPL % | mean KLD | same-top % |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (Path variant : variants) {
            try (ModelSource source = ModelSources.open(checkpoint)) {
                BenchmarkReport r = Variants.runtimeFor(variant).benchmark(variant, source, sourceBytes, TEXT, reference,
                        NO_SPEED, VariantBenchmark.Progress.NONE, () -> false);
                boolean isMlx = Files.isDirectory(variant);
                System.out.printf("| %s | %s | %d | %.2f | %.4f | %+.3f | %.6f | %.2f |%n", r.variant().fileType(),
                        isMlx ? "MLX" : "GGUF", r.size().bytes(), r.size().bitsPerWeight(), r.quality().perplexity(),
                        r.quality().perplexityIncreasePercent(), r.quality().meanKld(), r.quality().sameTopPercent());
                reports.put(r.variant().fileType(), r);
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
