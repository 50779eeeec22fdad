package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoWriter;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Entry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static int8 in QDQ format, as {@code quantize_static(quant_format=QDQ)} with ORT's defaults writes it for MatMul
 * (activations and weights int8; activations asymmetric, weights symmetric), from calibrated ranges (MinMax or
 * Percentile):
 * <ul>
 *   <li>each MatMul whose B is a float32 [K, N] initializer: its A and its output get a QuantizeLinear →
 *       DequantizeLinear pair ({@code T_QuantizeLinear} / {@code T_DequantizeLinear}, outputs
 *       {@code T_QuantizeLinear_Output} / {@code T_DequantizeLinear_Output}) with the scale and zero point of the
 *       calibrated range (compute_scale_zp, int8 −128..127), and every consumer of T reads the dequantized tensor;</li>
 *   <li>B is stored int8 ({@code B_quantized}, symmetric, per tensor or per column with {@code --per-channel}:
 *       axis 1, 7-bit with {@code --reduce-range}) behind a {@code DequantizeLinear};</li>
 *   <li>only MatMul is quantized (ORT's QDQ registry has many more ops: Add, Mul, Gather, Softmax, …, which stay
 *       float here and are not listed); tensors that are graph outputs are not given pairs.</li>
 * </ul>
 */
final class StaticQdqQuantizer {
    private final OnnxModelFile model;
    private final OnnxQuantizeOptions options;
    private final List<GraphNode> nodes = new ArrayList<>();
    private final List<NewTensor> tensors = new ArrayList<>();
    private final Map<String, String> renamed = new HashMap<>();
    private final Set<String> weightsDone = new HashSet<>();
    private final List<Entry> plan = new ArrayList<>();

    StaticQdqQuantizer(OnnxModelFile model, OnnxQuantizeOptions options) {
        this.model = model;
        this.options = options;
    }

    /** The MatMuls that can be quantized, and so the tensors calibration must measure: their A and output. */
    static Set<String> tensorsToCalibrate(OnnxModelFile model, OnnxQuantizeOptions options) {
        Set<String> names = new LinkedHashSet<>();
        for (GraphNode node : model.nodes()) {
            if (candidate(model, node, options) == null) {
                names.add(node.input(0));
                if (!model.graphOutputs().contains(node.output(0))) {
                    names.add(node.output(0));
                }
            }
        }
        return names;
    }

    /** Null when the node is a MatMul to quantize; otherwise why not (or "" when it is no MatMul at all). */
    private static String candidate(OnnxModelFile model, GraphNode node, OnnxQuantizeOptions options) {
        if (!node.opType().equals("MatMul") || !(node.domain().isEmpty() || node.domain().equals("ai.onnx"))) {
            return "";
        }
        if (options.excludes(node)) {
            return "excluded";
        }
        StoredTensor b = model.initializers().get(node.input(1));
        if (b == null) {
            return "B is not a constant";
        }
        if (model.initializers().containsKey(node.input(0))) {
            return "A is a constant";
        }
        if (b.dataType() != StoredTensor.FLOAT) {
            return "B is not float32";
        }
        return b.dims().length == 2 ? null : "B has rank " + b.dims().length + ", not 2";
    }

    QuantizedGraph quantize(Map<String, float[]> ranges) {
        for (String input : model.graphInputNames().values()) {
            pair(input, ranges);
        }
        for (GraphNode node : model.nodes()) {
            String reason = candidate(model, node, options);
            if (reason == null && !ranges.containsKey(node.input(0))) {
                reason = "A was not calibrated";
            }
            List<String> inputs = new ArrayList<>();
            node.inputs().forEach(i -> inputs.add(renamed.getOrDefault(i, i)));
            if (reason == null) {
                StoredTensor b = model.initializers().get(node.input(1));
                String weight = weight(b);
                if (weight == null) {
                    reason = "weights hold NaN or infinity, or their range overflows float32";
                } else {
                    inputs.set(1, weight);
                }
            }
            nodes.add(node.withInputs(inputs));
            // a calibrated tensor gets its pair where it is produced, so every later consumer reads it dequantized
            for (String output : node.outputs()) {
                pair(output, ranges);
            }
            if (reason == null) {
                plan.add(new Entry(node.name(), "MatMul", Action.QUANTIZED, "QDQ (int8 activations, " + options.calibration().name().toLowerCase(java.util.Locale.ROOT) + "; int8 weights"
                        + (options.perChannel() ? " per channel" : "") + (options.reduceRange() ? ", 7-bit" : "") + ")"));
            } else if (!reason.isEmpty()) {
                plan.add(new Entry(node.name(), "MatMul", Action.FLOAT, reason));
            }
        }
        return new QuantizedGraph(nodes, QuantizedGraph.keptInitializers(model, nodes), tensors, options.precision(),
                new QuantizationPlan(options.precision(), plan));
    }

    /** A QuantizeLinear → DequantizeLinear pair on a calibrated activation; its consumers read the second. */
    private void pair(String tensor, Map<String, float[]> ranges) {
        float[] range = ranges.get(tensor);
        if (range == null || renamed.containsKey(tensor) || model.graphOutputs().contains(tensor)
                || !Float.isFinite(range[0]) || !Float.isFinite(range[1])) {
            return;
        }
        QuantParams p = LinearQuantization.scaleAndZeroPoint(range[0], range[1], QuantType.INT8.min(), QuantType.INT8.max(), false);
        if (!Float.isFinite(p.scale())) {
            return;
        }
        String scale = tensor + "_scale";
        String zeroPoint = tensor + "_zero_point";
        tensors.add(NewTensor.floats(scale, new long[0], p.scale()));
        tensors.add(NewTensor.bytes(zeroPoint, QuantType.INT8.onnxId(), new long[0], new byte[]{(byte) p.zeroPoint()}));
        String q = tensor + "_QuantizeLinear_Output";
        String dq = tensor + "_DequantizeLinear_Output";
        nodes.add(GraphNode.of(tensor + "_QuantizeLinear", "QuantizeLinear", List.of(tensor, scale, zeroPoint), List.of(q), null));
        nodes.add(GraphNode.of(tensor + "_DequantizeLinear", "DequantizeLinear", List.of(q, scale, zeroPoint), List.of(dq), null));
        renamed.put(tensor, dq);
    }

    /** B stored int8 behind a DequantizeLinear; null when it cannot be quantized. */
    private String weight(StoredTensor b) {
        String dq = b.name() + "_DequantizeLinear_Output";
        if (weightsDone.contains(b.name())) {
            return dq;
        }
        float[] w = model.floats(b);
        if (!LinearQuantization.allFinite(w)) {
            return null;
        }
        int rows = Math.toIntExact(b.dims()[0]);
        int cols = Math.toIntExact(b.dims()[1]);
        int channels = options.perChannel() ? cols : 1;
        QuantParams[] params = new QuantParams[channels];
        for (int c = 0; c < channels; c++) {
            params[c] = options.perChannel()
                    ? LinearQuantization.paramsFor(w, c, w.length, cols, QuantType.INT8, true, options.reduceRange())
                    : LinearQuantization.paramsFor(w, 0, w.length, 1, QuantType.INT8, true, options.reduceRange());
            if (!Float.isFinite(params[c].scale())) {
                return null;
            }
        }
        byte[] q = new byte[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = (byte) LinearQuantization.quantize(w[r * cols + c], params[options.perChannel() ? c : 0], QuantType.INT8);
            }
        }
        float[] scales = new float[channels];
        byte[] zeroPoints = new byte[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = params[c].scale();
            zeroPoints[c] = (byte) params[c].zeroPoint();
        }
        long[] dims = options.perChannel() ? new long[]{cols} : new long[0];
        tensors.add(NewTensor.bytes(b.name() + "_quantized", QuantType.INT8.onnxId(), b.dims(), q));
        tensors.add(NewTensor.floats(b.name() + "_scale", dims, scales));
        tensors.add(NewTensor.bytes(b.name() + "_zero_point", QuantType.INT8.onnxId(), dims, zeroPoints));
        ProtoWriter attributes = options.perChannel() ? GraphNode.intAttribute(new ProtoWriter(), "axis", 1) : null;
        nodes.add(GraphNode.of(b.name() + "_DequantizeLinear", "DequantizeLinear",
                List.of(b.name() + "_quantized", b.name() + "_scale", b.name() + "_zero_point"), List.of(dq), attributes));
        weightsDone.add(b.name());
        return dq;
    }
}
