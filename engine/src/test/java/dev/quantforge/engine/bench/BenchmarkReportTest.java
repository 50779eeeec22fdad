package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.quality.BenchmarkSummary;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** benchmark.json: every figure survives a round trip, and anything else is refused with one line. */
class BenchmarkReportTest {

    static BenchmarkReport full() {
        return new BenchmarkReport(BenchmarkReport.SCHEMA_VERSION,
                new BenchmarkReport.Variant("m-Q4_0.gguf", "Q4_0", "llama ?B Q4_0"),
                new BenchmarkReport.Source("/models/m-F32.gguf", 4_000_000),
                new BenchmarkReport.Size(1_000_000, 990_000, 1_760_000, 4.5, 4.0, Map.of("q4_0", 7, "f32", 5)),
                new BenchmarkReport.TensorErrors(12, 0, BenchmarkReport.TensorErrors.RANKING, 0.05, 0.12, 0.07, 0.03,
                        0.998, 0.992, List.of(new BenchmarkReport.TensorError("blk.0.ffn_down.weight", "q4_0", "f32",
                        4096, 0.002, 0.12, 0.03, 0.992))),
                new QualityFigures(1000, 1000, 10.5, 11.0, 4.7619, 0.07, 0.04, 0.5, 1.2, 91.5, 3.2, 32),
                new BenchmarkReport.Speed(2, 12.5, 1, 3,
                        new BenchmarkReport.Throughput(128, 5000.0, 4800.0, List.of(5000.0, 4800.0, 5100.0)),
                        new BenchmarkReport.Throughput(64, 900.0, 850.0, List.of(900.0, 950.0, 850.0)), 250_000_000L),
                new BenchmarkReport.Machine("Some CPU", 2, "Linux 6.1", "OpenJDK 17", "b4916 (abc)", "0.1.0", "1a2b3c"),
                new BenchmarkReport.Timings(12.5, 40, 300, 200, 560));
    }

    @Test
    void jsonRoundTrip() {
        BenchmarkReport report = full();
        byte[] json = report.toJson();
        assertEquals(report, BenchmarkReport.fromJson(json));
        String text = new String(json, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"schemaVersion\" : 1"), text);
        assertTrue(text.contains("\"meanKld\" : 0.07"), text);
    }

    @Test
    void skippedStagesRoundTripAsNull() {
        BenchmarkReport full = full();
        BenchmarkReport partial = new BenchmarkReport(1, full.variant(), new BenchmarkReport.Source(null, 0), full.size(),
                null, null, null, full.machine(), full.timings());
        BenchmarkReport back = BenchmarkReport.fromJson(partial.toJson());
        assertEquals(partial, back);
        BenchmarkSummary summary = back.summary();
        assertNull(summary.meanKld());
        assertNull(summary.promptTokensPerSecond());
        assertEquals(0, summary.threads());
        assertTrue(back.table().contains("bits per weight"));
    }

    @Test
    void summaryCarriesTheHeadlineFigures() {
        BenchmarkSummary s = full().summary();
        assertEquals(1_000_000, s.modelBytes());
        assertEquals(4.5, s.bitsPerWeight());
        assertEquals(4.0, s.compressionRatio());
        assertEquals(10.5, s.sourcePerplexity());
        assertEquals(11.0, s.perplexity());
        assertEquals(0.07, s.meanKld());
        assertEquals(91.5, s.sameTopPercent());
        assertEquals(5000.0, s.promptTokensPerSecond());
        assertEquals(900.0, s.generationTokensPerSecond());
        assertEquals(2, s.threads());
    }

    @Test
    void tableShowsEveryStage() {
        String table = full().table();
        for (String expected : List.of("m-Q4_0.gguf (Q4_0)", "bits per weight", "4.500", "q4_0: 7",
                "blk.0.ffn_down.weight", "KL divergence", "mean 0.070000", "same top token", "91.50 %",
                "pp128", "tg64", "5000.0 tokens/s", "Some CPU", "b4916")) {
            assertTrue(table.contains(expected), expected + " in\n" + table);
        }
    }

    @Test
    void foreignJsonIsRefusedInOneLine() {
        for (String bad : List.of("not json", "{}", "[1,2]",
                new String(full().toJson(), StandardCharsets.UTF_8).replace("\"schemaVersion\" : 1", "\"schemaVersion\" : 2"))) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> BenchmarkReport.fromJson(bad.getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().startsWith("benchmark.json"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
