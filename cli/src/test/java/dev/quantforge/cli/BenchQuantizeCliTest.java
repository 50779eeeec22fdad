package dev.quantforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bench-quantize against a current llama.cpp (node-llama-cpp's prebuilt libllama, pinned in
 * cli/src/test/libllama and installed from npm when missing): both tools quantize the same F16 model, and the
 * outputs must have the same tensors byte for byte.
 */
class BenchQuantizeCliTest {
    private static final Path PACKAGE = Path.of("src/test/libllama").toAbsolutePath();

    @Test
    void racesLlamaCppAndFindsTheSameTensors(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("stories260K-f16.gguf");
        CliRun convert = CliRun.of("convert", TinyModels.bundledStories(), model, "--outtype", "f16");
        assertEquals(0, convert.exitCode(), convert.err());

        CliRun run = CliRun.of("bench-quantize", model, "--libllama", libllama(), "--types", "Q8_0,Q4_K_M,Q6_K",
                "--threads", "1", "--work-dir", dir.resolve("work"));

        assertEquals(0, run.exitCode(), run.out() + run.err());
        for (String type : List.of("Q8_0", "Q4_K_M", "Q6_K")) {
            String row = run.out().lines().filter(l -> l.startsWith(type + " ")).findFirst().orElseThrow(() ->
                    new AssertionError("no row for " + type + ":\n" + run.out()));
            String[] cells = row.trim().split("\\s+");
            assertEquals("yes", cells[cells.length - 1], row);
            assertTrue(Double.parseDouble(cells[1]) > 0 && Double.parseDouble(cells[2]) > 0, row);
            assertTrue(Double.parseDouble(cells[8]) > 0, "quantforge's peak RSS: " + row);
        }
        assertTrue(run.out().contains("llama.cpp b"), run.out());
    }

    @Test
    void aMissingLibraryIsOneLine(@TempDir Path dir) {
        CliRun run = CliRun.of("bench-quantize", TinyModels.bundledStories().resolve("config.json"), "--libllama",
                dir.resolve("libllama.so"));
        assertEquals(1, run.exitCode());
        assertEquals("quantforge: --libllama: " + dir.resolve("libllama.so") + ": no such file", run.err().strip());
    }

    private static Path libllama() throws Exception {
        Path bins = PACKAGE.resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
        if (!Files.isDirectory(bins)) {
            // npm gets a stdin and an output of its own: with the test JVM's inherited, node set surefire's command
            // pipe non-blocking and the fork died ("std/in stream corrupted")
            Path log = Files.createTempFile("npm-ci", ".log");
            Process npm = new ProcessBuilder("npm", "ci", "--prefix", PACKAGE.toString(), "--ignore-scripts", "--no-audit",
                    "--no-fund").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = npm.waitFor(600, TimeUnit.SECONDS);
            if (!ended) {
                npm.destroyForcibly();
            }
            String output = Files.readString(log);
            Files.delete(log);
            assertTrue(ended && npm.exitValue() == 0, "npm ci in " + PACKAGE + ":\n" + output);
        }
        try (var files = Files.list(bins)) {
            return files.filter(f -> f.getFileName().toString().matches("libllama\\.(v[0-9.]+\\.)?so"))
                    .findFirst().orElseThrow(() -> new AssertionError("no libllama in " + bins));
        }
    }
}
