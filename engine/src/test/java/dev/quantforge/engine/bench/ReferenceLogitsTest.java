package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.runtime.Perplexity;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.QuantizedVariants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compact reference of stories260K (converted to F32 by quantforge) on the default evaluation
 * text: a self-comparison is exactly 0, the Q8_0 and Q4_0 variants' figures match the exact
 * full-vocabulary ones, the encoding is small and survives a round trip, and a wrong stream, text or
 * model is refused.
 */
class ReferenceLogitsTest {
    private static final LlamaModel.Options OPTIONS = LlamaModel.Options.threads(1);
    /** The compact encoding of stories260K may take this share of the source's safetensors size. */
    private static final double SIZE_BUDGET = 0.06;

    @TempDir
    static Path tmp;

    static List<String> paragraphs;
    static LlamaModel source;
    static ReferenceLogits reference;
    static float[][] sourceLogits;
    static int[] targets;

    @BeforeAll
    static void computeReference() {
        paragraphs = EvalText.paragraphs(EvalText.bundledDefault());
        Path f32 = QuantizedVariants.f32(Models.stories260K(), tmp.resolve("stories260K-F32.gguf")).output();
        source = LlamaModel.load(f32, OPTIONS);
        List<float[]> rows = new ArrayList<>();
        List<Integer> scoredTargets = new ArrayList<>();
        source.perplexity(paragraphs, (index, target, logits) -> {
            rows.add(logits.clone());
            scoredTargets.add(target);
        });
        sourceLogits = rows.toArray(float[][]::new);
        targets = scoredTargets.stream().mapToInt(Integer::intValue).toArray();
        long started = System.nanoTime();
        reference = ReferenceLogits.compute(source, paragraphs, ReferenceLogits.DEFAULT_TOP_K);
        System.out.printf("[reference] %d positions, %d tokens stored (%.1f per position), computed in %.0f ms%n",
                reference.positions(), reference.storedTokens(), (double) reference.storedTokens() / reference.positions(),
                (System.nanoTime() - started) / 1e6);
    }

    @AfterAll
    static void close() {
        source.close();
    }

    @Test
    void sourceAgainstItsOwnReferenceIsExactlyZero() {
        QualityFigures self = reference.compare(source, paragraphs);
        Perplexity perplexity = source.perplexity(paragraphs);
        assertEquals(perplexity.textTokens(), self.scoredTokens());
        assertEquals(0.0, self.meanKld());
        assertEquals(0.0, self.medianKld());
        assertEquals(0.0, self.maxKld());
        assertEquals(100.0, self.sameTopPercent());
        assertEquals(perplexity.ppl(), self.sourcePerplexity());
        assertEquals(perplexity.ppl(), self.perplexity());
        assertEquals(0.0, self.perplexityIncreasePercent());
        assertEquals(0, self.rmsDeltaProbabilityPercent(), "both sides go through the same rounding: " + self);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void variantFiguresMatchTheFullVocabularyOnes(String fileType) {
        Path file = QuantizedVariants.quantize(Models.stories260K(), fileType, tmp.resolve("stories260K-" + fileType + ".gguf"))
                .output();
        try (LlamaModel variant = LlamaModel.load(file, OPTIONS)) {
            double[] kld = new double[sourceLogits.length];
            int[] sameTop = new int[1];
            double[] squaredDeltaP = new double[1];
            Perplexity perplexity = variant.perplexity(paragraphs, (index, target, logits) -> {
                double[] p = logSoftmax(sourceLogits[index]);
                double[] q = logSoftmax(logits);
                for (int i = 0; i < p.length; i++) {
                    kld[index] += Math.exp(p[i]) * (p[i] - q[i]);
                }
                if (LlamaModel.argmax(logits) == LlamaModel.argmax(sourceLogits[index])) {
                    sameTop[0]++;
                }
                double deltaP = Math.exp(q[targets[index]]) - Math.exp(p[targets[index]]);
                squaredDeltaP[0] += deltaP * deltaP;
            });
            double exactMean = Arrays.stream(kld).average().orElseThrow();
            Arrays.sort(kld);
            double exactSameTop = 100.0 * sameTop[0] / kld.length;
            double exactRms = 100 * Math.sqrt(squaredDeltaP[0] / kld.length);

            QualityFigures figures = reference.compare(variant, paragraphs);
            System.out.printf("[%s] mean KLD %.6f (exact %.6f, %+.2f %%), median %.6f (exact %.6f), p99 %.6f (exact %.6f), "
                            + "max %.6f (exact %.6f), same top %.2f %% (exact %.2f %%), RMS Δp %.3f %% (exact %.3f %%), "
                            + "ppl %.4f vs %.4f (%+.2f %%)%n", fileType, figures.meanKld(), exactMean,
                    100 * (figures.meanKld() / exactMean - 1), figures.medianKld(), kld[kld.length / 2], figures.p99Kld(),
                    kld[(int) (0.99 * (kld.length - 1))], figures.maxKld(), kld[kld.length - 1], figures.sameTopPercent(),
                    exactSameTop, figures.rmsDeltaProbabilityPercent(), exactRms, figures.perplexity(),
                    figures.sourcePerplexity(), figures.perplexityIncreasePercent());

            assertEquals(kld.length, figures.scoredTokens());
            assertEquals(perplexity.ppl(), figures.perplexity());
            assertEquals(Math.exp(Arrays.stream(sourceNll()).sum() / kld.length), figures.sourcePerplexity(), 1e-12);
            assertEquals(exactMean, figures.meanKld(), 0.05 * exactMean, "mean KLD within 5 % of the exact one");
            assertTrue(figures.meanKld() > 0);
            assertEquals(exactSameTop, figures.sameTopPercent(), 1e-9, "the stored top token is the exact argmax");
            assertEquals(exactRms, figures.rmsDeltaProbabilityPercent(), 0.01 * exactRms, "RMS Δp within 1 %");
            assertEquals(kld[kld.length / 2], figures.medianKld(), 0.15 * kld[kld.length / 2], "median KLD");
            assertTrue(figures.maxKld() <= kld[kld.length - 1] * 1.01, "a coarse-graining never exceeds the full KLD");
        }
    }

    @Test
    void encodingIsSmallNextToTheSource() throws IOException {
        long sourceBytes = Files.size(Models.stories260K().resolve("model.safetensors"));
        int bytes = reference.toBytes().length;
        System.out.printf("[size] every position: %d bytes for %d positions (%.1f bytes each), %.2f %% of the source's %d"
                        + " bytes (top-k %d, tail mass %.3f, %.1f tokens per position)%n", bytes, reference.positions(),
                (double) bytes / reference.positions(), 100.0 * bytes / sourceBytes, sourceBytes, reference.topK(),
                reference.tailMass(), (double) reference.storedTokens() / reference.positions());
        assertTrue(bytes < SIZE_BUDGET * sourceBytes, bytes + " bytes");
    }

    @Test
    void withinOnePercentOfTheSourceAnEvenSampleOfPositionsIsCompared() throws IOException {
        long budget = ReferenceLogits.defaultBudget(Files.size(Models.stories260K().resolve("model.safetensors")));
        ReferenceLogits sample = reference.within(budget);
        byte[] bytes = sample.toBytes();
        assertTrue(bytes.length <= budget, bytes.length + " bytes over the budget of " + budget);
        assertTrue(sample.stride() > 1 && sample.comparedPositions() >= ReferenceLogits.MIN_COMPARED_POSITIONS);
        assertEquals(reference.positions(), sample.positions());
        ReferenceLogits read = ReferenceLogits.read(new ByteArrayInputStream(bytes));
        assertEquals(0, read.compare(source, paragraphs).meanKld(), "a sample of the source's own positions");
        for (String ftype : List.of("Q8_0", "Q4_0")) {
            Path file = QuantizedVariants.quantize(Models.stories260K(), ftype, tmp.resolve("sample-" + ftype + ".gguf")).output();
            try (LlamaModel variant = LlamaModel.load(file, OPTIONS)) {
                QualityFigures all = reference.compare(variant, paragraphs);
                QualityFigures sampled = read.compare(variant, paragraphs);
                System.out.printf("[sample] %s: %d bytes, every %d-th of %d positions: mean KLD %.6f (all %.6f), "
                                + "same-top %.2f %% (all %.2f %%)%n", ftype, bytes.length, sample.stride(), sample.positions(),
                        sampled.meanKld(), all.meanKld(), sampled.sameTopPercent(), all.sameTopPercent());
                assertEquals(all.perplexity(), sampled.perplexity(), "perplexity counts every position");
                assertEquals(sample.comparedPositions(), sampled.comparedPositions());
                assertEquals(all.meanKld(), sampled.meanKld(), 0.3 * all.meanKld(), "a sample's mean KLD");
            }
        }
    }

    @Test
    void readGivesBackWhatWriteWrote() throws IOException {
        byte[] bytes = reference.toBytes();
        ReferenceLogits read = ReferenceLogits.read(new ByteArrayInputStream(bytes));
        assertArrayEquals(bytes, read.toBytes());
        assertEquals(reference.positions(), read.positions());
        assertEquals(reference.topK(), read.topK());
        assertEquals(reference.textSha256(), read.textSha256());
        assertEquals(reference.sourcePerplexity(), read.sourcePerplexity());
        Path q4 = QuantizedVariants.quantize(Models.stories260K(), "Q4_0", tmp.resolve("round-trip-Q4_0.gguf")).output();
        try (LlamaModel variant = LlamaModel.load(q4, OPTIONS)) {
            assertEquals(reference.compare(variant, paragraphs), read.compare(variant, paragraphs));
        }
        assertEquals(new QualityFigures(reference.positions(), reference.positions(), reference.sourcePerplexity(), reference.sourcePerplexity(), 0,
                0, 0, 0, 0, 100, 0, reference.topK()),
                read.compare(source, paragraphs));
    }

    @Test
    void damagedOrForeignStreamsAreRefused() {
        byte[] bytes = reference.toBytes();
        assertRefused(Arrays.copyOf(bytes, bytes.length / 2), "truncated");
        assertRefused(Arrays.copyOf(bytes, 6), "truncated");
        assertRefused("GGUF and then some other file".getBytes(), "not a quantforge reference logits stream");
        byte[] otherVersion = bytes.clone();
        ByteBuffer.wrap(otherVersion).putInt(4, 99);
        assertRefused(otherVersion, "format version 99");
        byte[] corrupted = bytes.clone();
        for (int i = 40; i < 60; i++) {
            corrupted[i] ^= 0x5A;
        }
        assertRefused(corrupted, "damaged");
    }

    @Test
    void anotherTextOrContextIsRefused() {
        InvalidInputException text = assertThrows(InvalidInputException.class,
                () -> reference.compare(source, paragraphs.subList(0, 2)));
        assertTrue(text.getMessage().contains("evaluation text"), text.getMessage());
        try (LlamaModel shorter = LlamaModel.load(source.file(), new LlamaModel.Options(1, 128))) {
            InvalidInputException context = assertThrows(InvalidInputException.class,
                    () -> reference.compare(shorter, paragraphs));
            assertTrue(context.getMessage().contains("context of 128"), context.getMessage());
        }
    }

    private static void assertRefused(byte[] bytes, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> ReferenceLogits.read(new ByteArrayInputStream(bytes)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static double[] sourceNll() {
        double[] nll = new double[sourceLogits.length];
        for (int i = 0; i < nll.length; i++) {
            nll[i] = -logSoftmax(sourceLogits[i])[targets[i]];
        }
        return nll;
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }
}
