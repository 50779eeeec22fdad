package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.bench.OnnxModelBenchmark;
import dev.quantforge.engine.bench.VariantBenchmark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The non-LLM benchmark on real models: the tiny generated graph (generated inputs) and langchain4j's all-MiniLM-L6-v2
 * (bundled sentences through its tokenizer.json), quantized by {@link OnnxQuantizer} and measured on ONNX Runtime.
 */
class OnnxModelBenchmarkTest {
    static final VariantBenchmark.Options NO_SPEED = new VariantBenchmark.Options(2, 1, 1, 0, 1, false);
    static final VariantBenchmark.Options SPEED = new VariantBenchmark.Options(2, 1, 1, 1, 2, true);

    @TempDir
    static Path dir;
    static Path miniLm;

    @BeforeAll
    static void extractMiniLm() throws IOException {
        miniLm = MiniLm.extract(dir);
    }

    private static Map<String, BenchmarkReport.OutputAgreement> byName(BenchmarkReport report) {
        return report.agreement().outputs().stream()
                .collect(Collectors.toMap(BenchmarkReport.OutputAgreement::name, Function.identity()));
    }

    @Test
    void generatedInputsCompareEveryFloatOutputAndMeasureLatency() {
        Path source = new TinyOnnx(7).write(dir.resolve("tiny.onnx"), 13, false);
        Path variant = dir.resolve("tiny-int8.onnx");
        OnnxQuantizer.quantize(source, variant, OnnxQuantizeOptions.int8Dynamic(false, false));

        BenchmarkReport report = OnnxModelBenchmark.run(variant, source, null, SPEED, f -> { }, () -> false);

        assertTrue(report.agreement().inputs().startsWith("8 generated"), report.agreement().inputs());
        assertEquals(8, report.agreement().examples());
        Map<String, BenchmarkReport.OutputAgreement> outputs = byName(report);
        assertEquals(java.util.Set.of("Y", "E", "F", "C"), outputs.keySet());
        // Conv stays float: the same op on the same inputs gives the same values
        assertEquals(0.0, outputs.get("C").maxAbsError());
        assertEquals(1.0, outputs.get("C").meanCosineSimilarity(), 1e-12);
        // the quantized MatMul and the uint8 table are close but not exact
        assertTrue(outputs.get("Y").maxAbsError() > 0);
        assertTrue(outputs.get("Y").meanCosineSimilarity() > 0.99, "Y cosine " + outputs.get("Y").meanCosineSimilarity());
        assertTrue(outputs.get("E").maxAbsError() > 0);
        assertEquals(2 * 6 * 8, outputs.get("Y").elements());
        assertEquals("int8-dynamic", report.variant().fileType());
        assertEquals(Files.exists(source) ? fileSize(source) : -1, report.source().bytes());
        assertEquals(fileSize(variant), report.size().bytes());
        assertTrue(report.size().tensorsByType().containsKey("int8"), report.size().tensorsByType().toString());

        BenchmarkReport.Latency latency = report.latency();
        assertEquals(1, latency.oneThread().threads());
        assertEquals(2, latency.allThreads().threads());
        assertEquals(16, latency.oneThread().samples());
        assertTrue(latency.oneThread().p90Milliseconds() >= latency.oneThread().p50Milliseconds());
        assertNull(report.quality());
        assertNull(report.speed());
        assertNull(report.tensorErrors());
        assertEquals(report.agreement().meanCosineSimilarity(), report.summary().meanOutputCosine());
        assertNull(report.summary().meanKld());

        BenchmarkReport read = BenchmarkReport.fromJson(report.toJson());
        assertEquals(report, read);
        assertTrue(report.table().contains("output agreement vs source"), report.table());
    }

    @Test
    void aModelAgainstItselfAgreesExactly() {
        Path source = new TinyOnnx(3).write(dir.resolve("self.onnx"), 13, false);
        BenchmarkReport report = OnnxModelBenchmark.run(source, source, null, NO_SPEED, f -> { }, () -> false);
        assertEquals(0.0, report.agreement().maxAbsError());
        assertEquals(1.0, report.agreement().minCosineSimilarity(), 1e-12);
        assertNull(report.latency());
    }

    @Test
    void miniLmOnBundledSentences() {
        Path matched = dir.resolve("minilm-int8-pc-rr.onnx");
        Path perTensor = dir.resolve("minilm-int8.onnx");
        OnnxQuantizer.quantize(miniLm, matched, OnnxQuantizeOptions.int8Dynamic(true, true));
        OnnxQuantizer.quantize(miniLm, perTensor, OnnxQuantizeOptions.int8Dynamic(false, false));

        BenchmarkReport good = OnnxModelBenchmark.run(matched, miniLm, null, SPEED, f -> { }, () -> false);
        BenchmarkReport worse = OnnxModelBenchmark.run(perTensor, miniLm, null, NO_SPEED, f -> { }, () -> false);

        assertEquals("32 sentences (bundled), tokenized with tokenizer.json", good.agreement().inputs());
        System.out.println("[onnxq2] MiniLM int8-dynamic per-channel reduce-range " + summary(good));
        System.out.println("[onnxq2] MiniLM int8-dynamic per-tensor " + summary(worse));
        System.out.print(good.table());
        assertTrue(good.agreement().meanCosineSimilarity() > 0.99, summary(good));
        assertTrue(worse.agreement().meanCosineSimilarity() < good.agreement().meanCosineSimilarity(), summary(worse));
        assertTrue(good.size().compressionRatio() > 3.5, "compression " + good.size().compressionRatio());
        assertNotNull(good.latency());
    }

    private static String summary(BenchmarkReport r) {
        BenchmarkReport.Agreement a = r.agreement();
        String latency = r.latency() == null ? "" : String.format(java.util.Locale.ROOT,
                ", load %.0f ms, 1 thread p50 %.2f p90 %.2f ms, %d threads p50 %.2f p90 %.2f ms",
                r.latency().loadMilliseconds(), r.latency().oneThread().p50Milliseconds(), r.latency().oneThread().p90Milliseconds(),
                r.latency().allThreads().threads(), r.latency().allThreads().p50Milliseconds(), r.latency().allThreads().p90Milliseconds());
        return String.format(java.util.Locale.ROOT, "mean cosine %.5f, min %.5f, max abs %.4f, size %d%s", a.meanCosineSimilarity(),
                a.minCosineSimilarity(), a.maxAbsError(), r.size().bytes(), latency);
    }

    @Test
    void badInputIsOneClearLine() throws IOException {
        Path tiny = new TinyOnnx(5).write(dir.resolve("bad-tiny.onnx"), 13, false);
        Path text = Files.writeString(dir.resolve("sentences.txt"), "one sentence\n");
        InvalidInputException notText = assertThrows(InvalidInputException.class, () ->
                OnnxModelBenchmark.run(tiny, null, List.of("one sentence"), NO_SPEED, f -> { }, () -> false));
        assertTrue(notText.getMessage().contains("needs a text model"), notText.getMessage());
        InvalidInputException wrongReference = assertThrows(InvalidInputException.class, () ->
                OnnxModelBenchmark.run(tiny, miniLm, null, NO_SPEED, f -> { }, () -> false));
        assertTrue(wrongReference.getMessage().contains("wrong --reference"), wrongReference.getMessage());
        Path corrupt = Files.write(dir.resolve("corrupt.onnx"), new byte[]{1, 2, 3, 4, 5});
        assertThrows(InvalidInputException.class, () ->
                OnnxModelBenchmark.run(corrupt, null, null, NO_SPEED, f -> { }, () -> false));
        assertEquals(List.of("one sentence"), OnnxModelBenchmark.sentences(text));
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
