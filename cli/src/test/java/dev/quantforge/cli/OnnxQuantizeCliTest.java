package dev.quantforge.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize IN.onnx OUT.onnx int8-dynamic on an fp32 decoder exported by convert, and its one-line refusals. */
class OnnxQuantizeCliTest {
    @TempDir
    Path dir;

    private Path fp32Onnx() {
        Path out = dir.resolve("stories-fp32");
        CliRun convert = CliRun.of("convert", TinyModels.bundledStories(), out, "--format", "onnx", "--precision", "fp32",
                "--threads", 1);
        assertEquals(0, convert.exitCode(), convert.err());
        return out.resolve("model.onnx");
    }

    @Test
    void quantizesAnOnnxFileWithExternalDataAndOnnxRuntimeLoadsIt() throws Exception {
        Path in = fp32Onnx();
        Path out = dir.resolve("q").resolve("model.onnx");
        Files.createDirectories(out.getParent());
        CliRun dry = CliRun.of("quantize", in, out, "int8-dynamic", "--dry-run");
        assertEquals(0, dry.exitCode(), dry.err());
        assertTrue(dry.out().contains("MatMul quantized: MatMulInteger (int8 weights)"), dry.out());
        assertFalse(Files.exists(out), "a dry run writes nothing");

        CliRun run = CliRun.of("quantize", in, out, "int8-dynamic", "--per-channel", "--exclude", "/lm_head/MatMul");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("MatMul float: excluded"), run.out());
        assertTrue(run.out().contains("wrote " + out), run.out());
        assertTrue(Files.size(out.resolveSibling("model.onnx.data")) < Files.size(in.resolveSibling("model.onnx.data")));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(out.toString(), options)) {
            assertTrue(session.getInputNames().contains("input_ids"));
        }
        Path int4 = dir.resolve("q4").resolve("model.onnx");
        Files.createDirectories(int4.getParent());
        CliRun q4 = CliRun.of("quantize", in, int4, "int4", "--block-size", 16);
        assertEquals(0, q4.exitCode(), q4.err());
        assertTrue(q4.out().contains("MatMulNBits (4-bit, blocks of 16)"), q4.out());
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(int4.toString(), options)) {
            assertTrue(session.getOutputNames().contains("logits"));
        }
        CliRun inspect = CliRun.of("inspect", out.getParent());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("precision int8-dynamic-per-channel"), inspect.out());
        assertTrue(inspect.out().contains("MatMulInteger"), inspect.out());
    }

    @Test
    void anOptimumPresetAndTheNonLlmBenchmarksRefusalOfADecoder() throws Exception {
        Path in = fp32Onnx();
        Path out = dir.resolve("p").resolve("model.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("quantize", in, out, "int8-dynamic", "--preset", "avx2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("MatMulInteger (uint8 weights per channel)"), run.out());
        assertTrue(run.out().contains("Gather float: excluded"), run.out());
        // tensorrt is static: without calibration data it is refused with one line, as is its dynamic form
        CliRun trt = CliRun.of("quantize", in, dir.resolve("trt.onnx"), "int8-static", "--preset", "tensorrt");
        assertEquals(1, trt.exitCode());
        assertEquals(1, trt.err().strip().lines().count(), trt.err());
        assertTrue(trt.err().contains("calibration data"), trt.err());
        // with calibration text the preset reaches calibration, which refuses text for a decoder (not a BERT-style
        // text model) and points at a .npz of its input tensors
        Path text = Files.writeString(dir.resolve("calibration.txt"), "Once upon a time\n");
        CliRun trtText = CliRun.of("quantize", in, dir.resolve("trt.onnx"), "int8-static", "--preset", "tensorrt",
                "--calibration-data", text);
        assertEquals(1, trtText.exitCode());
        assertEquals(1, trtText.err().strip().lines().count(), trtText.err());
        assertTrue(trtText.err().contains("give its input tensors as a .npz"), trtText.err());
        CliRun trtDynamic = CliRun.of("quantize", in, dir.resolve("trt.onnx"), "int8-dynamic", "--preset", "tensorrt");
        assertEquals(1, trtDynamic.exitCode());
        assertTrue(trtDynamic.err().contains("static QDQ only"), trtDynamic.err());
        assertFalse(Files.exists(dir.resolve("trt.onnx")));

        // a single .onnx file is benchmarked as a non-LLM model on generated inputs; a decoder with a KV cache cannot
        // be fed that way (its mask spans past + new tokens), which is one clear line (LLMs: bench the ONNX directory)
        CliRun bench = CliRun.of("bench", out, "--reference", in, "--no-speed", "--json");
        assertEquals(1, bench.exitCode(), bench.out());
        assertEquals(1, bench.err().strip().lines().count(), bench.err());
        assertTrue(bench.err().contains("ONNX Runtime") && bench.err().contains("could not run it"), bench.err());
    }

    @Test
    void badInputIsOneLineExitOneAndNoOutput() throws Exception {
        Path corrupt = dir.resolve("corrupt.onnx");
        Files.write(corrupt, new byte[]{0x08, (byte) 0xFF, 0x3A, 0x7F, 0x12});
        Path noData = dir.resolve("nodata").resolve("model.onnx");
        Path in = fp32Onnx();
        Files.createDirectories(noData.getParent());
        Files.copy(in, noData);
        for (Object[] args : new Object[][]{
                {"quantize", corrupt, dir.resolve("out.onnx"), "int8-dynamic"},
                {"quantize", noData, dir.resolve("out.onnx"), "int8-dynamic"},
                {"quantize", in, dir.resolve("out.onnx"), "int3"},
                {"quantize", in, dir.resolve("out.onnx"), "int4", "--block-size", 24},
                {"quantize", in, dir.resolve("out.onnx"), "int8-static"},
                {"quantize", in, dir.resolve("out.onnx"), "int8-static", "--calibration-data", corrupt, "--calibration", "kl"},
                {"quantize", in, dir.resolve("out.onnx"), "int8-static", "--calibration-data", corrupt, "--calibration", "percentile"},
                {"quantize", in, dir.resolve("out.onnx"), "int8-static", "--calibration-data", dir.resolve("missing.txt")},
                {"quantize", in, dir.resolve("out.onnx"), "int8-dynamic", "--exclude", "MatMul,Gather"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(1, run.exitCode(), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertFalse(run.err().contains("Exception"), run.err());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().contains("out.onnx")).count());
        }
        CliRun ggufOnly = CliRun.of("quantize", dir.resolve("a.gguf"), dir.resolve("b.gguf"), "Q8_0", "--per-channel");
        assertEquals(1, ggufOnly.exitCode());
        assertTrue(ggufOnly.err().contains("apply to .onnx inputs only"), ggufOnly.err());
    }
}
