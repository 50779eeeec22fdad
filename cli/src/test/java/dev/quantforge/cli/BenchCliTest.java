package dev.quantforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.engine.bench.BenchmarkReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantforge bench} on stories260K Q8_0 against its F32 source, and the errors a user can make. */
class BenchCliTest {
    @TempDir
    static Path dir;
    static Path source;
    static Path q8;

    @BeforeAll
    static void writeModels() {
        Path stories = TinyModels.bundledStories();
        source = dir.resolve("stories260K-F32.gguf");
        q8 = dir.resolve("stories260K-Q8_0.gguf");
        assertEquals(0, CliRun.of("convert", "--outtype", "f32", "--threads", 1, stories, source).exitCode());
        assertEquals(0, CliRun.of("quantize", "--threads", 1, stories, q8, "Q8_0").exitCode());
    }

    @Test
    void printsTheTable() {
        CliRun run = CliRun.of("bench", q8, "--reference", source, "--threads", 1, "--no-quality",
                "--prompt-tokens", 32, "--gen-tokens", 8, "--repetitions", 2);
        assertEquals(0, run.exitCode(), run.err());
        for (String expected : new String[]{"stories260K-Q8_0.gguf (Q8_0)", "bits per weight", "compression",
                "tensor errors vs source", "worst by rmse / rms(source)", "pp32", "tg8", "machine"}) {
            assertTrue(run.out().contains(expected), expected + " in\n" + run.out());
        }
        System.out.print(run.out());
    }

    @Test
    void printsBenchmarkJson() throws Exception {
        CliRun run = CliRun.of("bench", q8, "--reference", source, "--threads", 1, "--no-quality", "--no-speed", "--json");
        assertEquals(0, run.exitCode(), run.err());
        BenchmarkReport report = BenchmarkReport.fromJson(run.out().getBytes(StandardCharsets.UTF_8));
        assertEquals(Files.size(q8), report.size().bytes());
        assertEquals("Q8_0", report.variant().fileType());
        assertTrue(report.tensorErrors().weightedRelativeRmse() > 0);
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(1, json.path("schemaVersion").asInt());
        assertTrue(json.path("speed").isNull() && json.path("quality").isNull(), run.out());
    }

    @Test
    void measuresQualityAndReusesTheReferenceCache() throws Exception {
        Path cache = dir.resolve("cache").resolve("stories260K.reflogits");
        CliRun first = CliRun.of("bench", q8, "--reference", TinyModels.bundledStories(), "--threads", 1, "--no-speed", "--json",
                "--reference-cache", cache);
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(Files.size(cache) > 0, "the reference logits were cached");
        BenchmarkReport computed = BenchmarkReport.fromJson(first.out().getBytes(StandardCharsets.UTF_8));
        assertTrue(computed.quality().meanKld() > 0 && computed.quality().meanKld() < 0.01, computed.quality().toString());
        assertEquals(0, computed.tensorErrors().notCompared(), "the HF directory's tensors under GGUF names");

        var written = Files.getLastModifiedTime(cache);
        CliRun second = CliRun.of("bench", q8, "--reference", TinyModels.bundledStories(), "--threads", 1, "--no-speed",
                "--reference-cache", cache);
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(written, Files.getLastModifiedTime(cache), "reused, not rewritten");
        assertTrue(second.out().contains(String.format(java.util.Locale.ROOT, "mean %.6f", computed.quality().meanKld())),
                second.out());
    }

    @Test
    void missingVariantIsOneLineAndExitTwo() {
        Path missing = dir.resolve("absent.gguf");
        CliRun run = CliRun.of("bench", missing, "--reference", source);
        assertUserError(run, missing + ": no such file");
    }

    @Test
    void missingReferenceIsOneLineAndExitTwo() {
        Path missing = dir.resolve("absent-source.gguf");
        assertUserError(CliRun.of("bench", q8, "--reference", missing), missing + ": no such file or directory");
    }

    @Test
    void aFileThatIsNotGgufIsOneLineAndExitTwo() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.gguf"), "just some words, no model here");
        assertUserError(CliRun.of("bench", text, "--no-speed"), "not a GGUF file");
    }

    @Test
    void badOptionsAreOneLine() {
        assertUserError(CliRun.of("bench", q8, "--threads", 0), "threads must be at least 1");
        assertUserError(CliRun.of("bench", q8, "--repetitions", 0), "repetitions >= 1");
    }

    private static void assertUserError(CliRun run, String expected) {
        assertEquals(1, run.exitCode(), "a user's error, as every command reports it: " + run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(run.err().contains("Exception"), run.err());
        assertEquals("", run.out());
    }

}
