package dev.quantforge.engine.onnx.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quantforge.common.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static QDQ beyond MatMul on {@link TinyCnn}, calibrated from a .npz of input tensors: Conv and Gemm with int32
 * biases, MaxPool and Reshape sharing their input's parameters, Add's constant stored int8, a graph output's pair,
 * non-float arithmetic left alone; ONNX Runtime loads and runs every output.
 */
class StaticQdqTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final int EXAMPLES = 16;

    @TempDir
    Path dir;

    private Path model() {
        return new TinyCnn(7).write(dir.resolve("cnn.onnx"));
    }

    private Path calibration(float[] x) {
        return TinyCnn.npz(dir.resolve("calibration.npz"), "X", "<f4", new long[]{x.length / 36, 1, 6, 6}, TinyCnn.le(x));
    }

    private static OnnxQuantizeOptions staticOptions(boolean perChannel, Path data) {
        return new OnnxQuantizeOptions(OnnxQuantizeOptions.Method.INT8_STATIC, perChannel, false, List.of(), 32)
                .withCalibration(data, OnnxQuantizeOptions.Calibration.MINMAX);
    }

    @Test
    void cnnGetsOrtsQdqGraphAndRunsCloseToFloat() throws OrtException {
        Path in = model();
        float[] x = TinyCnn.inputs(EXAMPLES, 11);
        Path out = dir.resolve("cnn-qdq.onnx");
        OnnxQuantizer.Result result = OnnxQuantizer.quantize(in, out, staticOptions(false, calibration(x)));
        OnnxModelFile q = OnnxModelFile.read(out);
        Map<String, GraphNode> byName = q.nodes().stream().collect(Collectors.toMap(GraphNode::name, Function.identity()));

        assertEquals(List.of("X_DequantizeLinear_Output", "CW_DequantizeLinear_Output", "CB"), byName.get("conv").inputs());
        assertEquals(List.of("C_DequantizeLinear_Output"), byName.get("pool").inputs());
        // MaxPool and Reshape are direct ops: their outputs' pairs use C's scale and zero point
        assertEquals(List.of("P", "C_scale", "C_zero_point"), byName.get("P_QuantizeLinear").inputs());
        assertEquals(List.of("F", "C_scale", "C_zero_point"), byName.get("F_QuantizeLinear").inputs());
        assertEquals(List.of("F_DequantizeLinear_Output", "GW_DequantizeLinear_Output", "GB"), byName.get("fc").inputs());
        assertEquals(1f, byName.get("fc").floatAttribute("beta", -1f), "beta moved into the bias scale");
        assertEquals(1, byName.get("fc").intAttribute("transB", 0));
        assertEquals(List.of("G_DequantizeLinear_Output", "AC_DequantizeLinear_Output"), byName.get("add").inputs());
        // M is a graph output: its producer writes M_QuantizeLinear_Input and the DequantizeLinear gives M back
        assertEquals(List.of("M_QuantizeLinear_Input"), byName.get("square").outputs());
        assertEquals(List.of("M"), byName.get("M_DequantizeLinear").outputs());
        assertEquals(List.of("M"), byName.get("relu").inputs());
        // int64 arithmetic is no float tensor: untouched
        assertEquals(List.of("S", "TWO"), byName.get("double").inputs());
        assertFalse(byName.containsKey("S_QuantizeLinear"));
        assertFalse(q.initializers().containsKey("CB"), "the float bias is replaced by its DequantizeLinear");

        assertEquals(QuantizationPlan.Action.UNSUPPORTED, entry(result, "relu").action());
        assertTrue(result.plan().entries().stream().noneMatch(e -> e.node().equals("double")), "integer arithmetic is not listed");
        for (String node : List.of("conv", "pool", "flat", "fc", "add", "square")) {
            assertEquals(QuantizationPlan.Action.QUANTIZED, entry(result, node).action(), node);
        }

        // the biases: int32, zero point 0, scale = input scale x weight scale (x beta)
        float xScale = scalar(q, "X_scale");
        float cwScale = scalar(q, "CW_scale");
        float fScale = scalar(q, "C_scale");
        float gwScale = scalar(q, "GW_scale");
        TinyCnn cnn = new TinyCnn(7);
        assertEquals(xScale * cwScale, scalar(q, "CB_quantized_scale"));
        assertEquals(fScale * gwScale * 0.5f, scalar(q, "GB_quantized_scale"));
        int[] cb = ints(q, "CB_quantized");
        for (int i = 0; i < cb.length; i++) {
            assertEquals(Math.rint((double) cnn.convBias[i] / (double) (xScale * cwScale)), cb[i], "CB[" + i + "]");
        }
        assertArrayEquals(new int[]{0}, ints(q, "CB_quantized_zero_point"));
        assertArrayEquals(new long[]{1}, q.initializers().get("CB_quantized_scale").dims());
        assertArrayEquals(new long[0], q.initializers().get("CB_quantized_zero_point").dims());

        // ONNX Runtime runs it, close to the float model on inputs it was not calibrated on
        float[] probe = TinyCnn.inputs(4, 99);
        for (int e = 0; e < 4; e++) {
            float[] one = java.util.Arrays.copyOfRange(probe, e * 36, (e + 1) * 36);
            float[] reference = run(in, one, "R");
            float[] quantized = run(out, one, "R");
            assertTrue(cosine(reference, quantized) > 0.98, "cosine " + cosine(reference, quantized));
        }
    }

    @Test
    void perChannelUsesOrtsAxes() throws OrtException {
        Path out = dir.resolve("cnn-qdq-pc.onnx");
        OnnxQuantizer.quantize(model(), out, staticOptions(true, calibration(TinyCnn.inputs(EXAMPLES, 11))));
        OnnxModelFile q = OnnxModelFile.read(out);
        Map<String, GraphNode> byName = q.nodes().stream().collect(Collectors.toMap(GraphNode::name, Function.identity()));
        // Conv: output channels (axis 0); Gemm with transB: axis 0 of [4, 8]; the biases follow, one scale per channel
        assertArrayEquals(new long[]{2}, q.initializers().get("CW_scale").dims());
        assertEquals(0, byName.get("CW_DequantizeLinear").intAttribute("axis", -1));
        assertArrayEquals(new long[]{4}, q.initializers().get("GW_scale").dims());
        assertEquals(0, byName.get("GW_DequantizeLinear").intAttribute("axis", -1));
        assertArrayEquals(new long[]{2}, q.initializers().get("CB_quantized_scale").dims());
        assertEquals(0, byName.get("CB_DequantizeLinear").intAttribute("axis", -1));
        // Add's constant is per tensor whatever --per-channel says
        assertArrayEquals(new long[0], q.initializers().get("AC_scale").dims());
        float[] one = java.util.Arrays.copyOfRange(TinyCnn.inputs(1, 5), 0, 36);
        assertTrue(cosine(run(model(), one, "R"), run(out, one, "R")) > 0.98);
    }

    @Test
    void reduceRangeMakesPerChannelWeights7BitAndLeavesPerTensorOnes8Bit() {
        Path data = calibration(TinyCnn.inputs(EXAMPLES, 11));
        for (boolean perChannel : new boolean[]{false, true}) {
            Path out = dir.resolve("rr-" + perChannel + ".onnx");
            OnnxQuantizer.quantize(model(), out, new OnnxQuantizeOptions(OnnxQuantizeOptions.Method.INT8_STATIC, perChannel,
                    true, List.of(), 32).withCalibration(data, OnnxQuantizeOptions.Calibration.MINMAX));
            OnnxModelFile q = OnnxModelFile.read(out);
            int max = 0;
            for (byte b : q.rawBytes(q.initializers().get("GW_quantized"))) {
                max = Math.max(max, Math.abs(b));
            }
            // symmetric: the largest |w| of the tensor (or of each channel) maps to the range's end
            assertEquals(perChannel ? 64 : 127, max, "per channel " + perChannel);
        }
    }

    @Test
    void perChannelRaisesOpset11To13WhereMechanicalAndRefusesOtherwise() throws OrtException {
        Path in = new TinyCnn(7).write(dir.resolve("cnn11.onnx"), 11);
        Path out = dir.resolve("cnn11-pc.onnx");
        OnnxQuantizer.quantize(in, out, staticOptions(true, calibration(TinyCnn.inputs(EXAMPLES, 11))));
        OnnxModelFile q = OnnxModelFile.read(out);
        assertEquals(13L, q.opsets().get(""));
        float[] one = java.util.Arrays.copyOfRange(TinyCnn.inputs(1, 5), 0, 36);
        assertTrue(cosine(run(in, one, "R"), run(out, one, "R")) > 0.98);

        OnnxModelFile source = OnnxModelFile.read(in);
        ProtoWriterAttributes softmaxAxis1 = new ProtoWriterAttributes("axis", 1);
        QuantizedGraph graph = new QuantizedGraph(List.of(
                GraphNode.of("sm", "Softmax", List.of("C"), List.of("Y"), softmaxAxis1.writer()),
                GraphNode.of("drop", "Dropout", List.of("Y"), List.of("Z"), null)),
                java.util.Set.of(), List.of(), "p", new QuantizationPlan("p", List.of()));
        InvalidInputException ex = assertThrows(InvalidInputException.class,
                () -> OpsetUpgrade.to13(source, graph, Map.of("Y", 4)));
        assertTrue(ex.getMessage().contains("Dropout, Softmax (axis 1, not the last)"), ex.getMessage());
        // axis 3 of a rank-4 output is the last: the same under 13, so only Dropout blocks
        QuantizedGraph last = new QuantizedGraph(List.of(
                GraphNode.of("sm", "Softmax", List.of("C"), List.of("Y"), new ProtoWriterAttributes("axis", 3).writer())),
                java.util.Set.of(), List.of(), "p", new QuantizationPlan("p", List.of()));
        assertEquals(13, OpsetUpgrade.to13(source, last, Map.of("Y", 4)).defaultOpset());
    }

    /** One INT attribute, encoded as a NodeProto's field 5. */
    private record ProtoWriterAttributes(String name, long value) {
        dev.quantforge.engine.onnx.ProtoWriter writer() {
            return GraphNode.intAttribute(new dev.quantforge.engine.onnx.ProtoWriter(), name, value);
        }
    }

    @Test
    void npzCalibrationDataIsCheckedWithOneClearLine() throws IOException {
        Path in = model();
        byte[] x = TinyCnn.le(TinyCnn.inputs(2, 1));
        Map<Path, String> bad = Map.of(
                TinyCnn.npz(dir.resolve("other.npz"), "Y", "<f4", new long[]{2, 1, 6, 6}, x), "array Y is not an input of the model",
                TinyCnn.npz(dir.resolve("empty.npz")), "no array for the model's input X",
                TinyCnn.npz(dir.resolve("f2.npz"), "X", "<f2", new long[]{4, 1, 6, 6}, x), "element type <f2",
                TinyCnn.npz(dir.resolve("short.npz"), "X", "<f4", new long[]{3, 1, 6, 6}, x), "data bytes",
                Files.write(dir.resolve("text.npz"), "not a zip".getBytes()), "not a NumPy .npz file");
        for (Map.Entry<Path, String> e : bad.entrySet()) {
            InvalidInputException ex = assertThrows(InvalidInputException.class,
                    () -> OnnxQuantizer.quantize(in, dir.resolve("out.onnx"), staticOptions(false, e.getKey())), e.getKey().toString());
            assertTrue(ex.getMessage().contains(e.getValue()), ex.getMessage());
            assertFalse(ex.getMessage().contains("\n"));
            assertFalse(Files.exists(dir.resolve("out.onnx")));
        }
        InvalidInputException text = assertThrows(InvalidInputException.class, () -> OnnxQuantizer.quantize(in,
                dir.resolve("out.onnx"), staticOptions(false, Files.writeString(dir.resolve("c.txt"), "a sentence\n"))));
        assertTrue(text.getMessage().contains("the model also takes X; give its input tensors as a .npz"), text.getMessage());
    }

    private static QuantizationPlan.Entry entry(OnnxQuantizer.Result result, String node) {
        return result.plan().entries().stream().filter(e -> e.node().equals(node)).findFirst().orElseThrow(() -> new AssertionError(node));
    }

    private static float scalar(OnnxModelFile q, String name) {
        StoredTensor t = q.initializers().get(name);
        assertNotNull(t, name);
        return q.floats(t)[0];
    }

    private static int[] ints(OnnxModelFile q, String name) {
        ByteBuffer b = ByteBuffer.wrap(q.rawBytes(q.initializers().get(name))).order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[b.remaining() / 4];
        b.asIntBuffer().get(v);
        return v;
    }

    private static float[] run(Path model, float[] x, String output) throws OrtException {
        try (OrtSession session = ENV.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[]{1, 1, 6, 6});
             OrtSession.Result r = session.run(Map.of("X", t))) {
            FloatBuffer b = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
            float[] v = new float[b.remaining()];
            b.get(v);
            return v;
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
