package dev.quantforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** convert --format onnx, inspect and bench of an ONNX directory, and its one-line refusals. */
class OnnxCliTest {
    @TempDir
    Path dir;

    @Test
    void convertsInspectsAndBenchmarksAnInt4Directory() {
        Path stories = TinyModels.bundledStories();
        Path out = dir.resolve("stories-int4");
        CliRun convert = CliRun.of("convert", stories, out, "--format", "onnx", "--precision", "int4", "--block-size", "32",
                "--accuracy-level", "4", "--threads", 1);
        assertEquals(0, convert.exitCode(), convert.err());
        assertTrue(convert.out().startsWith("wrote " + out), convert.out());
        for (String file : new String[]{"model.onnx", "model.onnx.data", "genai_config.json", "tokenizer.model", "config.json", "README.md"}) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        CliRun inspect = CliRun.of("inspect", out);
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("com.microsoft.MatMulNBits"), inspect.out());
        assertTrue(inspect.out().contains("past_key_values.4.value float[batch_size, 4, past_sequence_length, 8]"), inspect.out());
        assertTrue(inspect.out().contains("precision int4-b32-asym-acc4"), inspect.out());
        CliRun bench = CliRun.of("bench", out, "--reference", stories, "--threads", 1, "--prompt-tokens", 16,
                "--gen-tokens", 8, "--repetitions", 1);
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("speed on onnxruntime"), bench.out());
        assertTrue(bench.out().contains("KL divergence"), bench.out());
    }

    @Test
    void float16ActivationsForTheGpuProfilesInt4() {
        Path stories = TinyModels.bundledStories();
        Path out = dir.resolve("stories-int4-fp16act");
        CliRun convert = CliRun.of("convert", stories, out, "--format", "onnx", "--precision", "int4", "--block-size", "128",
                "--activations", "fp16", "--threads", 1);
        assertEquals(0, convert.exitCode(), convert.err());
        CliRun inspect = CliRun.of("inspect", out);
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("past_key_values.4.value float16[batch_size, 4, past_sequence_length, 8]"), inspect.out());
        assertTrue(inspect.out().contains("logits float16[batch_size, sequence_length, 512]"), inspect.out());
        assertTrue(inspect.out().contains("precision int4-b128-asym-fp16act"), inspect.out());
        CliRun bench = CliRun.of("bench", out, "--reference", stories, "--threads", 1, "--prompt-tokens", 16,
                "--gen-tokens", 8, "--repetitions", 1);
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("KL divergence"), bench.out());
    }

    @Test
    void badOptionsAreOneLineAndLeaveNoDirectory() {
        Path stories = TinyModels.bundledStories();
        for (Object[] args : new Object[][]{
                {"convert", stories, dir.resolve("a"), "--format", "onnx", "--precision", "int3"},
                {"convert", stories, dir.resolve("a"), "--format", "onnx", "--precision", "int4", "--block-size", 48},
                {"convert", stories, dir.resolve("a"), "--format", "onnx", "--precision", "int8", "--symmetric"},
                {"convert", stories, dir.resolve("a"), "--format", "onnx", "--precision", "fp32", "--activations", "fp16"},
                {"convert", stories, dir.resolve("a"), "--format", "onnx", "--precision", "int4", "--activations", "bf16"},
                {"convert", stories, dir.resolve("a.gguf"), "--activations", "fp16"},
                {"convert", stories, dir.resolve("a.gguf"), "--precision", "int4"},
                {"convert", stories, dir.resolve("a"), "--format", "tflite"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(1, run.exitCode(), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertFalse(run.err().contains("Exception"), run.err());
        }
        assertFalse(Files.exists(dir.resolve("a")));
        assertFalse(Files.exists(dir.resolve("a.gguf")));
    }
}
