package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark of stories260K variants against their F32 source, on the real llama.cpp runtime. */
class VariantBenchmarkTest {
    private static final VariantBenchmark.Options NO_SPEED = new VariantBenchmark.Options(1, 32, 16, 0, 1, false);
    private static final List<String> TEXT = EvalText.paragraphs(EvalText.bundledDefault());

    @TempDir
    static Path dir;
    static Path source;
    static Path q8;
    static Path q4;

    @BeforeAll
    static void writeModels() {
        source = StoriesVariants.f32Source(dir);
        q8 = StoriesVariants.variant(dir, "Q8_0");
        q4 = StoriesVariants.variant(dir, "Q4_0");
    }

    private static BenchmarkReport bench(Path variant, VariantBenchmark.Options options) {
        try (GgufFile weights = GgufFile.open(source)) {
            return VariantBenchmark.run(variant, weights, Files.size(source), TEXT, null, options,
                    VariantBenchmark.Progress.NONE, () -> false);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anF32VariantOfAnF32SourceHasNoError() {
        BenchmarkReport report = bench(source, NO_SPEED);
        BenchmarkReport.TensorErrors errors = report.tensorErrors();
        assertTrue(errors.compared() > 0);
        assertEquals(0, errors.notCompared());
        assertEquals(0, errors.maxAbsError());
        assertEquals(0, errors.weightedRelativeRmse());
        assertEquals(1, errors.minCosineSimilarity());
        assertEquals(1.0, report.size().compressionRatio(), 1e-12);
        assertEquals("F32", report.variant().fileType());
    }

    @Test
    void aHuggingFaceSourceIsComparedUnderGgufNames() {
        try (ModelSource checkpoint = ModelSources.open(Models.stories260K())) {
            BenchmarkReport report = VariantBenchmark.run(source, checkpoint,
                    VariantBenchmark.bytesOnDisk(Models.stories260K()), TEXT, null, NO_SPEED,
                    VariantBenchmark.Progress.NONE, () -> false);
            assertEquals(0, report.tensorErrors().notCompared());
            assertEquals(0, report.tensorErrors().maxAbsError(), "the F32 conversion keeps every value");
            assertTrue(report.size().compressionRatio() > 0.9 && report.size().compressionRatio() < 1.1,
                    "F32 GGUF vs F32 safetensors: " + report.size().compressionRatio());
        }
    }

    @Test
    void qualityAgainstTheSourcesReferenceLogits() {
        ReferenceLogits reference;
        try (LlamaModel model = LlamaModel.load(source, LlamaModel.Options.threads(1))) {
            reference = ReferenceLogits.compute(model, TEXT, ReferenceLogits.DEFAULT_TOP_K);
        }
        BenchmarkReport itself = benchWithQuality(source, reference);
        BenchmarkReport q8Report = benchWithQuality(q8, reference);
        BenchmarkReport q4Report = benchWithQuality(q4, reference);
        System.out.printf("[quality] mean KLD f32 %.6f, q8_0 %.6f, q4_0 %.6f; ppl %.4f %.4f %.4f%n",
                itself.quality().meanKld(), q8Report.quality().meanKld(), q4Report.quality().meanKld(),
                itself.quality().perplexity(), q8Report.quality().perplexity(), q4Report.quality().perplexity());
        assertEquals(0, itself.quality().meanKld(), 1e-6, "F32 vs F32");
        assertEquals(itself.quality().sourcePerplexity(), itself.quality().perplexity(), 1e-9);
        assertTrue(q8Report.quality().meanKld() < q4Report.quality().meanKld());
        assertEquals(q4Report.quality().meanKld(), q4Report.summary().meanKld());
        assertEquals(q4Report, BenchmarkReport.fromJson(q4Report.toJson()), "the full report round-trips");
        assertTrue(q4Report.timings().qualityMilliseconds() > 0);
        System.out.print(q4Report.table());
    }

    private static BenchmarkReport benchWithQuality(Path variant, ReferenceLogits reference) {
        try (GgufFile weights = GgufFile.open(source)) {
            return VariantBenchmark.run(variant, weights, 0, TEXT, reference, NO_SPEED, VariantBenchmark.Progress.NONE,
                    () -> false);
        }
    }

    @Test
    void errorsGrowFromQ8ToQ4() {
        BenchmarkReport.TensorErrors e8 = bench(q8, NO_SPEED).tensorErrors();
        BenchmarkReport.TensorErrors e4 = bench(q4, NO_SPEED).tensorErrors();
        System.out.printf("[tensor errors] q8_0 %.5f, q4_0 %.5f (relative RMSE over all weights)%n",
                e8.weightedRelativeRmse(), e4.weightedRelativeRmse());
        assertTrue(e8.weightedRelativeRmse() > 0);
        assertTrue(e8.weightedRelativeRmse() < e4.weightedRelativeRmse());
        assertTrue(e8.maxRelativeRmse() < e4.maxRelativeRmse());
        assertTrue(e8.minCosineSimilarity() > e4.minCosineSimilarity());
        assertEquals(Math.min(10, e4.compared()), e4.worst().size());
        for (int i = 1; i < e4.worst().size(); i++) {
            assertTrue(e4.worst().get(i - 1).relativeRmse() >= e4.worst().get(i).relativeRmse(), "worst first");
        }
        assertEquals(e4.maxRelativeRmse(), e4.worst().get(0).relativeRmse());
        // Norms stay F32 in every variant: copied exactly.
        assertTrue(e4.worst().stream().noneMatch(t -> t.type().equals("f32") && t.rmse() > 0));
    }

    @Test
    void sizeFiguresMatchTheFile() throws Exception {
        BenchmarkReport report = bench(q8, NO_SPEED);
        BenchmarkReport.Size size = report.size();
        assertEquals(Files.size(q8), size.bytes());
        assertEquals("Q8_0", report.variant().fileType());
        try (GgufFile file = GgufFile.open(q8)) {
            assertEquals(file.tensorInfos().size(), size.tensorsByType().values().stream().mapToInt(Integer::intValue).sum());
            long tensorBytes = file.tensorInfos().stream().mapToLong(t -> t.byteSize()).sum();
            long parameters = file.tensorInfos().stream().mapToLong(t -> t.elementCount()).sum();
            assertEquals(tensorBytes, size.tensorBytes());
            assertEquals(parameters, size.parameters());
            assertEquals(tensorBytes * 8.0 / parameters, size.bitsPerWeight(), 1e-12);
            assertTrue(size.tensorsByType().containsKey("q8_0"), size.tensorsByType().toString());
        }
        assertEquals((double) Files.size(source) / Files.size(q8), size.compressionRatio(), 1e-12);
        assertTrue(size.compressionRatio() > 2, "q8_0 of f32 is much smaller: " + size.compressionRatio());
        assertNull(report.quality());
        assertNull(report.speed());
        assertNull(report.variant().description(), "llama.cpp is not loaded when neither quality nor speed runs");
    }

    @Test
    void speedFiguresArePositive() {
        List<Double> fractions = new ArrayList<>();
        BenchmarkReport report;
        try (GgufFile weights = GgufFile.open(source)) {
            report = VariantBenchmark.run(q4, weights, 0, TEXT, null, new VariantBenchmark.Options(1, 64, 16, 1, 3, true),
                    fractions::add, () -> false);
        }
        BenchmarkReport.Speed speed = report.speed();
        assertNotNull(speed);
        assertEquals(1, speed.threads());
        assertEquals(3, speed.prompt().runs().size());
        assertEquals(3, speed.generation().runs().size());
        assertEquals(64, speed.prompt().tokens());
        assertEquals(16, speed.generation().tokens());
        assertTrue(speed.prompt().medianTokensPerSecond() > 0 && speed.generation().medianTokensPerSecond() > 0);
        assertTrue(speed.prompt().p90TokensPerSecond() <= speed.prompt().medianTokensPerSecond());
        assertTrue(speed.loadMilliseconds() > 0);
        // this JVM's own resident set is tens of MB before the model is loaded; Linux's high-water mark is readable here
        assertTrue(speed.peakRssBytes() != null && speed.peakRssBytes() > 20_000_000, "peak RSS " + speed.peakRssBytes());
        assertTrue(report.variant().description().startsWith("llama"), report.variant().description());
        assertEquals(0, report.size().compressionRatio(), "unknown source size");
        assertTrue(report.timings().totalMilliseconds() >= report.timings().speedMilliseconds());
        assertEquals(1.0, fractions.get(fractions.size() - 1));
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) >= fractions.get(i - 1), "progress never goes back: " + fractions);
        }
        assertEquals(1.0, report.summary().generationTokensPerSecond() / speed.generation().medianTokensPerSecond());
        System.out.print(report.table());
    }

    @Test
    void p90IsTheSlowTailOfTheRuns() {
        BenchmarkReport.Throughput t = VariantBenchmark.throughput(100, new long[]{1_000_000_000L, 500_000_000L,
                250_000_000L, 2_000_000_000L});
        assertEquals(100 / 0.75, t.medianTokensPerSecond(), 1e-9);
        assertEquals(50, t.p90TokensPerSecond(), 1e-9);
        assertEquals(List.of(100.0, 200.0, 400.0, 50.0), t.runs());
    }

    @Test
    void cancellationStopsTheRun() {
        try (GgufFile weights = GgufFile.open(source)) {
            assertThrows(CancellationException.class, () -> VariantBenchmark.run(q4, weights, 0, TEXT, null,
                    VariantBenchmark.Options.defaults(1), VariantBenchmark.Progress.NONE, () -> true));
        }
    }

    @Test
    void aVariantLlamaCppCannotLoadIsNamed() {
        Path notAModel = dir.resolve("tensor-only.gguf");
        try (GgufWriter writer = GgufWriter.create(notAModel, Map.of("general.name", GgufValue.ofString("one tensor")),
                List.of(new GgufWriter.TensorSpec("weights", new long[]{32}, GgmlType.F32)))) {
            writer.beginTensor("weights");
            writer.write(new byte[128], 0, 128);
            writer.commit();
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> VariantBenchmark.run(notAModel, null,
                0, TEXT, null, VariantBenchmark.Options.defaults(1), VariantBenchmark.Progress.NONE, () -> false));
        assertTrue(e.getMessage().contains(notAModel.toString()), e.getMessage());
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> VariantBenchmark.run(q8, null, 0,
                TEXT, null, new VariantBenchmark.Options(1, 4096, 16, 0, 1, true), VariantBenchmark.Progress.NONE,
                () -> false));
        assertTrue(e.getMessage().contains("does not fit the context"), e.getMessage());
    }
}
