package dev.quantforge.engine.onnx.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** int8-dynamic on a small model written byte by byte, run on ONNX Runtime before and after. */
class OnnxQuantizerTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final float[] X = {0.3f, -1.2f, 0.8f, 2.5f, -0.4f, 0f, 1.1f, -2f, -0.9f, 0.2f, 0.05f, -0.3f, 1.7f, -1.1f, 0.6f, 0.4f};
    private static final long[] IDS = {0, 9, 4};

    @TempDir
    Path dir;

    private final TinyOnnx tiny = new TinyOnnx(7);

    @Test
    void matMulAndGatherBecomeIntegerOpsAndRunCloseToFloat() throws Exception {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, false);
        Path out = dir.resolve("tiny-int8.onnx");
        OnnxQuantizer.Result result = OnnxQuantizer.quantize(in, out, OnnxQuantizeOptions.int8Dynamic(false, false));

        Map<String, Action> actions = new HashMap<>();
        result.plan().entries().forEach(e -> actions.put(e.node(), e.action()));
        assertEquals(Map.of("mm", Action.QUANTIZED, "emb", Action.QUANTIZED, "conv", Action.UNSUPPORTED), actions);
        assertTrue(result.plan().table().contains("unsupported: Conv conv"));

        OnnxModelFile q = OnnxModelFile.read(out);
        assertEquals(List.of("DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Gather", "DequantizeLinear",
                "Relu", "Conv"), q.nodes().stream().map(GraphNode::opType).toList());
        assertFalse(q.initializers().containsKey("W"), "the float weight is gone");
        assertFalse(q.initializers().containsKey("T"), "the float table is gone");
        String raw = new String(q.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("quantforge.precision") && raw.contains("int8-dynamic"), "the precision is in the metadata");

        Map<String, float[]> f = run(in);
        Map<String, float[]> o = run(out);
        float sw = q.floats(q.initializers().get("W_scale"))[0];
        float sx = activationScale();
        for (int m = 0; m < 2; m++) {
            for (int n = 0; n < TinyOnnx.N; n++) {
                double bound = 1e-5;
                for (int k = 0; k < TinyOnnx.K; k++) {
                    bound += Math.abs(X[m * TinyOnnx.K + k]) * sw / 2 + Math.abs(tiny.w[k * TinyOnnx.N + n]) * sx / 2 + sx * sw / 4;
                }
                int i = m * TinyOnnx.N + n;
                assertTrue(Math.abs(o.get("Y")[i] - f.get("Y")[i]) <= bound, "Y[" + i + "] " + o.get("Y")[i] + " vs " + f.get("Y")[i]);
            }
        }
        assertEquals(0f, o.get("Y")[5], 0f, "an all-zero column stays exactly zero");
        QuantParams table = LinearQuantization.paramsFor(tiny.table, 0, tiny.table.length, 1, QuantType.UINT8, false, false);
        for (int t = 0; t < IDS.length; t++) {
            for (int j = 0; j < 8; j++) {
                float source = tiny.table[(int) IDS[t] * 8 + j];
                float expected = (LinearQuantization.quantize(source, table, QuantType.UINT8) - table.zeroPoint()) * table.scale();
                assertEquals(expected, o.get("E")[t * 8 + j], 0f);
                assertEquals(Math.max(0f, expected), o.get("F")[t * 8 + j], 0f);
                assertTrue(Math.abs(expected - source) <= table.scale() / 2 + 1e-6);
            }
        }
        assertArrayEquals(f.get("C"), o.get("C"), "the unsupported Conv is untouched");
    }

    @Test
    void perChannelWeightsHaveOneScalePerColumn() throws Exception {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 17, false);
        Path out = dir.resolve("tiny-pc.onnx");
        OnnxQuantizer.quantize(in, out, OnnxQuantizeOptions.int8Dynamic(true, true));
        OnnxModelFile q = OnnxModelFile.read(out);
        float[] scales = q.floats(q.initializers().get("W_scale"));
        byte[] weights = q.rawBytes(q.initializers().get("W_quantized"));
        assertEquals(TinyOnnx.N, scales.length);
        assertEquals(1f, scales[5], 0f, "the all-zero column: scale 1");
        for (int n = 0; n < TinyOnnx.N; n++) {
            QuantParams p = LinearQuantization.paramsFor(tiny.w, n, tiny.w.length, TinyOnnx.N, QuantType.INT8, true, true);
            assertEquals(p.scale(), scales[n], 0f);
            for (int k = 0; k < TinyOnnx.K; k++) {
                int v = weights[k * TinyOnnx.N + n];
                assertTrue(v >= -64 && v <= 64, "7-bit");
                assertTrue(Math.abs(v * scales[n] - tiny.w[k * TinyOnnx.N + n]) <= scales[n] / 2 + 1e-7);
            }
        }
        assertEquals(-64, weights[argMaxAbs(4)], "the all-negative column reaches -64");
        Map<String, float[]> o = run(out);
        assertEquals(0f, o.get("Y")[5], 0f);
    }

    private int argMaxAbs(int column) {
        int best = column;
        for (int k = 0; k < TinyOnnx.K; k++) {
            if (Math.abs(tiny.w[k * TinyOnnx.N + column]) > Math.abs(tiny.w[best])) {
                best = k * TinyOnnx.N + column;
            }
        }
        return best;
    }

    @Test
    void externalDataInExternalDataOut() throws Exception {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, true);
        Path out = dir.resolve("q.onnx");
        OnnxQuantizer.Result result = OnnxQuantizer.quantize(in, out, OnnxQuantizeOptions.int8Dynamic(false, false).excluding(List.of("Gather")));
        assertEquals(dir.resolve("q.onnx.data"), result.data());
        assertTrue(Files.size(result.data()) > 0);
        OnnxModelFile q = OnnxModelFile.read(out);
        assertTrue(q.initializers().get("T").external(), "the excluded Gather's table stays float, copied to the new data file");
        assertEquals(tiny.table[17], q.floats(q.initializers().get("T"))[17], 0f);
        assertEquals(Action.FLOAT, result.plan().entries().stream().filter(e -> e.node().equals("emb")).findFirst().orElseThrow().action());
        Map<String, float[]> f = run(in);
        Map<String, float[]> o = run(out);
        assertArrayEquals(f.get("E"), o.get("E"));
        assertTrue(Math.abs(f.get("Y")[0] - o.get("Y")[0]) < 0.1);
    }

    @Test
    void int4MatMulsBecomeMatMulNBitsAndComputeWithTheDequantizedBlocks() throws Exception {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, false);
        Path out = dir.resolve("tiny-int4.onnx");
        OnnxQuantizer.Result result = OnnxQuantizer.quantize(in, out,
                new OnnxQuantizeOptions(OnnxQuantizeOptions.Method.INT4, false, false, List.of(), 16));
        assertEquals(1, result.plan().count(Action.QUANTIZED));
        OnnxModelFile q = OnnxModelFile.read(out);
        assertEquals(List.of("MatMulNBits", "Gather", "Relu", "Conv"), q.nodes().stream().map(GraphNode::opType).toList());
        assertEquals(1L, q.opsets().get("com.microsoft"));
        assertArrayEquals(new long[]{TinyOnnx.N, 1, 8}, q.initializers().get("W_Q4").dims());
        // expected: X times the weights Int4Blocks' nibbles stand for
        int k = TinyOnnx.K;
        float[] deq = new float[k * TinyOnnx.N];
        byte[] packed = new byte[8];
        float[] scale = new float[1];
        byte[] zp = new byte[1];
        for (int n = 0; n < TinyOnnx.N; n++) {
            float[] column = new float[k];
            for (int r = 0; r < k; r++) {
                column[r] = tiny.w[r * TinyOnnx.N + n];
            }
            dev.quantforge.engine.onnx.Int4Blocks.quantizeColumn(column, 0, k, 16, false, packed, 0, scale, 0, zp, 0);
            for (int r = 0; r < k; r++) {
                int nibble = (packed[r / 2] >> (r % 2 == 0 ? 0 : 4)) & 0xF;
                deq[r * TinyOnnx.N + n] = dev.quantforge.engine.onnx.Int4Blocks.dequantize(nibble, zp[0] & 0xF, scale[0]);
            }
        }
        Map<String, float[]> o = run(out);
        for (int m = 0; m < 2; m++) {
            for (int n = 0; n < TinyOnnx.N; n++) {
                float expected = 0;
                for (int r = 0; r < k; r++) {
                    expected += X[m * k + r] * deq[r * TinyOnnx.N + n];
                }
                assertEquals(expected, o.get("Y")[m * TinyOnnx.N + n], 1e-4f);
            }
        }
        assertArrayEquals(run(in).get("E"), o.get("E"), "Gather tables stay float in int4");
    }

    @Test
    void initializersListedAsGraphInputsLeaveTheInputsWithTheFloatWeights() throws Exception {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, false, true);
        Path out = dir.resolve("q.onnx");
        OnnxQuantizer.quantize(in, out, OnnxQuantizeOptions.int8Dynamic(false, false));
        assertEquals(List.of("X", "ids", "Z", "W", "T", "KW"), List.copyOf(OnnxModelFile.read(in).graphInputNames().values()));
        assertEquals(List.of("X", "ids", "Z", "KW"), List.copyOf(OnnxModelFile.read(out).graphInputNames().values()),
                "W and T are no initializers any more, so no graph inputs either; KW stays both");
        Map<String, float[]> f = run(in);
        Map<String, float[]> o = run(out);
        assertArrayEquals(f.get("C"), o.get("C"));
        assertTrue(Math.abs(f.get("Y")[0] - o.get("Y")[0]) < 0.1);
    }

    @Test
    void corruptProtobufIsOneLineAndNoOutput() throws IOException {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, false);
        byte[] all = Files.readAllBytes(in);
        Files.write(in, java.util.Arrays.copyOf(all, all.length / 2));
        assertRefused(in, "not a readable ONNX model");
    }

    @Test
    void missingExternalDataIsNamed() throws IOException {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, true);
        Files.delete(dir.resolve("tiny.onnx.data"));
        assertRefused(in, "external data file tiny.onnx.data (of tensor W) is missing");
    }

    @Test
    void opsetTooOldIsRefusedWithTheReason() {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 10, false);
        assertRefused(in, "opset 10 is older than 11");
    }

    @Test
    void nothingQuantizableIsRefused() {
        Path in = tiny.write(dir.resolve("tiny.onnx"), 13, false);
        Path out = dir.resolve("out.onnx");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxQuantizer.quantize(in, out,
                OnnxQuantizeOptions.int8Dynamic(false, false).excluding(List.of("mm", "Gather"))));
        assertTrue(e.getMessage().contains("nothing to quantize"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    private void assertRefused(Path in, String message) {
        Path out = dir.resolve("out.onnx");
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> OnnxQuantizer.quantize(in, out, OnnxQuantizeOptions.int8Dynamic(false, false)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith("out")
                    || p.getFileName().toString().startsWith(".out")).toList(), "no output, no temporary file");
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    /** DynamicQuantizeLinear's scale for X: (max(0, max) - min(0, min)) / 255. */
    private static float activationScale() {
        float min = 0;
        float max = 0;
        for (float v : X) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return (max - min) / 255f;
    }

    private static Map<String, float[]> run(Path model) throws OrtException {
        float[] z = new float[16];
        for (int i = 0; i < z.length; i++) {
            z[i] = i * 0.25f - 2f;
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = ENV.createSession(model.toString(), options);
                 OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(X), new long[]{2, TinyOnnx.K});
                 OnnxTensor ids = OnnxTensor.createTensor(ENV, LongBuffer.wrap(IDS), new long[]{3});
                 OnnxTensor zt = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(z), new long[]{1, 1, 4, 4});
                 OrtSession.Result r = session.run(Map.of("X", x, "ids", ids, "Z", zt))) {
                Map<String, float[]> out = new HashMap<>();
                for (String name : List.of("Y", "E", "F", "C")) {
                    OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
                    FloatBuffer b = t.getFloatBuffer();
                    float[] values = new float[b.remaining()];
                    b.get(values);
                    out.put(name, values);
                }
                return out;
            }
        }
    }
}
