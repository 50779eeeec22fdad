package dev.quantforge.engine.bench;

import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.BigramLlamaCheckpoint;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.QuantizedVariants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mean KL divergence from the source falls as a variant keeps more bits: F32 against itself is 0,
 * stories260K Q8_0 is below Q4_0 (its 64- and 172-wide rows leave only the legacy types), and on a
 * generated llama-shaped model with 256-multiple rows Q8_0 < Q6_K < Q5_K_M < Q4_K_M < Q3_K_M < Q2_K.
 * All variants are quantized by quantforge from the Hugging Face checkpoint; prints the tables.
 */
class KldOrderingTest {
    private static final LlamaModel.Options OPTIONS = LlamaModel.Options.threads(1);
    private static final List<String> GENERATED_ORDER = List.of("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K");

    @TempDir
    Path tmp;

    @Test
    void stories260K() {
        List<QualityFigures> figures = measure(Models.stories260K(), tmp.resolve("stories"), List.of("F32", "Q8_0", "Q4_0"));
        QualityFigures self = figures.get(0);
        assertEquals(0.0, self.meanKld());
        assertEquals(0.0, self.maxKld());
        assertEquals(self.sourcePerplexity(), self.perplexity());
        assertEquals(100.0, self.sameTopPercent());
        assertTrue(0 < figures.get(1).meanKld() && figures.get(1).meanKld() < figures.get(2).meanKld(),
                "Q8_0 < Q4_0: " + figures);
    }

    @Test
    void generatedModelOrdersTheKQuantsByBits() throws IOException {
        Path checkpoint = BigramLlamaCheckpoint.write(tmp.resolve("bigram-hf"), calibrationTokens(), 256);
        List<String> types = new ArrayList<>(List.of("F32"));
        types.addAll(GENERATED_ORDER);
        List<QualityFigures> figures = measure(checkpoint, tmp.resolve("bigram"), types);
        QualityFigures self = figures.get(0);
        assertEquals(0.0, self.meanKld());
        assertEquals(self.sourcePerplexity(), self.perplexity());
        assertTrue(self.sourcePerplexity() < 512 / 4.0, "predictions far from uniform: perplexity "
                + self.sourcePerplexity() + " on a vocabulary of 512");
        for (int i = 2; i < figures.size(); i++) {
            assertTrue(figures.get(i - 1).meanKld() < figures.get(i).meanKld(),
                    types.get(i - 1) + " " + figures.get(i - 1).meanKld() + " < " + types.get(i) + " " + figures.get(i).meanKld());
        }
    }

    /** calib.txt as stories260K tokenizes it, BOS before every paragraph (how perplexity feeds them). */
    private int[] calibrationTokens() throws IOException {
        Path f32 = QuantizedVariants.f32(Models.stories260K(), tmp.resolve("stories-tokenizer.gguf")).output();
        String calibration = Files.readString(Models.stories260K().getParent().resolve("calib.txt"));
        try (LlamaModel tokenizer = LlamaModel.load(f32, OPTIONS)) {
            return EvalText.paragraphs(calibration).stream()
                    .flatMapToInt(p -> IntStream.concat(IntStream.of(tokenizer.bosToken()), IntStream.of(tokenizer.tokenize(p, false))))
                    .toArray();
        }
    }

    /** The source converted to F32 and each file type quantized from the checkpoint, against the source's reference. */
    private static List<QualityFigures> measure(Path checkpoint, Path dir, List<String> fileTypes) {
        List<String> paragraphs = EvalText.paragraphs(EvalText.bundledDefault());
        Path source = QuantizedVariants.f32(checkpoint, dir.resolve("source-F32.gguf")).output();
        ReferenceLogits reference;
        try (LlamaModel model = LlamaModel.load(source, OPTIONS)) {
            reference = ReferenceLogits.compute(model, paragraphs, ReferenceLogits.DEFAULT_TOP_K);
        }
        System.out.printf("%n%s (reference: %d bytes, %d positions)%n", checkpoint.getFileName(), reference.toBytes().length,
                reference.positions());
        System.out.println("| ftype  |  bpw  |   PPL    |  ΔPPL %  | mean KLD |  same-top % |");
        System.out.println("|--------|-------|----------|----------|----------|-------------|");
        List<QualityFigures> all = new ArrayList<>();
        for (String type : fileTypes) {
            QuantizeResult variant = type.equals("F32")
                    ? QuantizedVariants.f32(checkpoint, dir.resolve("variant-F32.gguf"))
                    : QuantizedVariants.quantize(checkpoint, type, dir.resolve("variant-" + type + ".gguf"));
            try (LlamaModel model = LlamaModel.load(variant.output(), OPTIONS)) {
                QualityFigures figures = reference.compare(model, paragraphs);
                System.out.printf("| %-6s | %5.2f | %8.4f | %+8.3f | %8.6f | %11.2f |%n", type, variant.bitsPerWeight(),
                        figures.perplexity(), figures.perplexityIncreasePercent(), figures.meanKld(), figures.sameTopPercent());
                all.add(figures);
            }
        }
        return all;
    }
}
