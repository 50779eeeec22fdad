package dev.quantforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantforge convert --format mlx}: a directory mlx-lm can load, or one line and exit 1 with nothing written. */
class ConvertMlxCliTest {

    @TempDir
    Path dir;

    @Test
    void convertsStoriesToMlx() throws Exception {
        Path out = dir.resolve("stories-4bit");
        CliRun run = CliRun.of("convert", TinyModels.bundledStories(), out, "--format", "mlx", "--group-size", "32",
                "--rounding", "cpu");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("wrote " + out.toAbsolutePath()), run.out());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors.index.json")));
        String config = Files.readString(out.resolve("config.json"));
        assertTrue(config.contains("\"quantization\": {\n        \"group_size\": 32,\n        \"bits\": 4,\n        \"mode\": \"affine\"\n    }"),
                config);
    }

    @Test
    void benchMeasuresAnMlxDirectoryOnItsDequantizedWeights() throws Exception {
        Path out = dir.resolve("stories-8bit");
        assertEquals(0, CliRun.of("convert", TinyModels.bundledStories(), out, "--format", "mlx", "--bits", "8").exitCode());
        CliRun run = CliRun.of("bench", out, "--reference", TinyModels.bundledStories(), "--threads", 1, "--json");
        assertEquals(0, run.exitCode(), run.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        assertEquals("8bit", json.at("/variant/fileType").asText());
        assertTrue(json.at("/quality/meanKld").asDouble() > 0 && json.at("/quality/meanKld").asDouble() < 0.01, run.out());
        assertTrue(json.at("/speed").isNull(), run.out());
        assertEquals("not measured here (needs Apple Silicon)", json.at("/runtime/speedNote").asText());
        assertTrue(json.at("/runtime/weights").asText().contains("dequantized"), run.out());

        CliRun table = CliRun.of("bench", out, "--reference", TinyModels.bundledStories(), "--threads", 1);
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("not measured here (needs Apple Silicon)"), table.out());
    }

    @Test
    void badOptionsEndWithOneLineAndNoOutput() {
        assertFails("unknown MLX recipe mixed_9_9", "--recipe", "mixed_9_9");
        assertFails("MLX affine quantization takes 2, 3, 4, 5, 6 or 8 bits, not 7", "--bits", "7");
        assertFails("MLX affine quantization takes groups of 32, 64 or 128, not 16", "--group-size", "16");
        assertFails("MLX mxfp4 quantization is 4 bits in groups of 32, not 4 bits in groups of 64", "--mode", "mxfp4",
                "--group-size", "64");
        assertFails("MLX's mixed recipes are affine", "--mode", "mxfp8", "--recipe", "mixed_3_6");
        assertFails("unknown dtype float8", "--dtype", "float8");
        assertFails("--outtype is for GGUF", "--outtype", "q8_0");
    }

    @Test
    void mlxOptionsNeedTheMlxFormat() {
        Path out = dir.resolve("model.gguf");
        CliRun run = CliRun.of("convert", TinyModels.bundledStories(), out, "--bits", "4");
        assertEquals(1, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("are for --format mlx"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void existingOutputIsRefused() throws Exception {
        Path out = Files.createDirectory(dir.resolve("taken"));
        CliRun run = CliRun.of("convert", TinyModels.bundledStories(), out, "--format", "mlx");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("already exists"), run.err());
    }

    private void assertFails(String message, String... options) {
        Path out = dir.resolve("out");
        Stream<Object> args = Stream.concat(Stream.of("convert", TinyModels.bundledStories(), out, "--format", "mlx"),
                Stream.of((Object[]) options));
        CliRun run = CliRun.of(args.toArray());
        assertEquals(1, run.exitCode(), run.err());
        List<String> lines = run.err().strip().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("quantforge: ") && lines.get(0).contains(message), run.err());
        try (Stream<Path> left = java.nio.file.Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "nothing is written");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
