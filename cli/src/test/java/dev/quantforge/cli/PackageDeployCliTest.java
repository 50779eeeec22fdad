package dev.quantforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackageDeployCliTest {
    @TempDir
    Path dir;

    @Test
    void writesTheDeploymentBundleOfAGguf() throws Exception {
        Path model = PackageOllamaCliTest.gguf(dir.resolve("tiny-Q8_0.gguf"), true);
        Path out = dir.resolve("deploy");
        CliRun run = CliRun.of("package", "deploy", model, "--out", out, "--threads", "2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("tiny Q8_0 (GGUF)") && run.out().contains("2 threads"), run.out());
        String dockerfile = Files.readString(out.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("COPY tiny-Q8_0.gguf /models/tiny-Q8_0.gguf") && dockerfile.contains("LLAMA_ARG_THREADS=2"),
                dockerfile);
        assertTrue(Files.readString(out.resolve("kubernetes.yaml")).contains("name: tiny-q8-0\n"));
        assertTrue(Files.isRegularFile(out.resolve("compose.yaml")) && Files.isRegularFile(out.resolve("README.md")));
    }

    @Test
    void aMissingVariantIsOneLine() {
        CliRun run = CliRun.of("package", "deploy", dir.resolve("nothing.gguf"), "--out", dir.resolve("deploy"));
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("nothing.gguf: no such file or directory"), run.err());
        assertTrue(run.exitCode() != 0);
    }
}
