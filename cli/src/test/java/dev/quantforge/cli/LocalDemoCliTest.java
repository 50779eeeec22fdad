package dev.quantforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service's job in one process: every profile's variant built, benchmarked against the checkpoint and gated. */
class LocalDemoCliTest {
    @TempDir
    Path tmp;

    @Test
    void everyProfilesVariantIsBuiltMeasuredAndPassesItsGates() throws IOException {
        CliRun run = CliRun.of("demo-local", "--model", TinyModels.bundledStories(), "--out", tmp,
                "--profiles", "cpu-x86-avx2,arm-mobile");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("source perplexity 4.3177"), run.out());
        List<String> rows = run.out().lines().filter(l -> l.startsWith("cpu-x86-avx2") || l.startsWith("arm-mobile")).toList();
        assertEquals(2, rows.size(), run.out());
        rows.forEach(row -> assertTrue(row.endsWith("passes its gates"), row));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("stories260K-hf-Q4_0.gguf", "stories260K-hf-Q4_K_M.gguf"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "the variants and nothing else");
        }
    }

    @Test
    void aDirectoryThatIsNotACheckpointIsOneLine() {
        CliRun run = CliRun.of("demo-local", "--model", tmp, "--out", tmp.resolve("out"));
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("not a Hugging Face checkpoint (no config.json)"), run.err());
    }

    @Test
    void anUnknownProfileIsOneLine() {
        CliRun run = CliRun.of("demo-local", "--model", TinyModels.bundledStories(), "--out", tmp,
                "--profiles", "no-such-profile");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("unknown profile no-such-profile"), run.err());
    }
}
