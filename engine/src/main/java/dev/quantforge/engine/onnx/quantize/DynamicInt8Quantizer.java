package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoWriter;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Entry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime's {@code quantize_dynamic} (QuantizationMode.IntegerOps, QOperator format, MatMulConstBOnly), node by
 * node in graph order as its ONNXQuantizer walks them:
 * <ul>
 *   <li>MatMul whose B is a float32 initializer: A gets a {@code DynamicQuantizeLinear} (uint8, once per tensor,
 *       named {@code A_QuantizeLinear} with outputs {@code A_quantized}, {@code A_scale}, {@code A_zero_point}), B is
 *       stored int8 symmetric (per tensor, or per column with {@code --per-channel}; 7-bit with
 *       {@code --reduce-range}), then {@code MatMulInteger} → {@code Cast(to=FLOAT)} →
 *       {@code Mul(., Mul(A_scale, B_scale))} under the original output name;</li>
 *   <li>Gather whose data is a float32 initializer: the table is stored uint8 (activation type, asymmetric, full
 *       range), the Gather outputs {@code out_quantized} and a {@code DequantizeLinear} named
 *       {@code out_DequantizeLinear} gives float consumers the original name;</li>
 *   <li>Transpose of an already quantized tensor is done in 8 bits (Direct8BitOp);</li>
 *   <li>Conv, Attention, LSTM and EmbedLayerNormalization, which ORT's IntegerOps registry also quantizes, are
 *       kept float and listed as unsupported.</li>
 * </ul>
 * Weights with NaN or infinity, or whose range overflows float32 (ORT would write scale inf), are kept float and
 * listed.
 */
final class DynamicInt8Quantizer {
    private static final Set<String> UNSUPPORTED = Set.of("Conv", "Attention", "LSTM", "EmbedLayerNormalization");

    /** A tensor available in 8 bits; {@code renamed} when the float name no longer exists without a DequantizeLinear. */
    private record Quantized(String qName, String scaleName, String zeroPointName, boolean renamed) {
    }

    private final OnnxModelFile model;
    private final OnnxQuantizeOptions options;
    private final List<GraphNode> nodes = new ArrayList<>();
    private final List<NewTensor> tensors = new ArrayList<>();
    private final Map<String, Quantized> quantized = new HashMap<>();
    private final Set<String> newNodeNames = new HashSet<>();
    private final Set<String> dequantized = new HashSet<>();
    private final List<Entry> plan = new ArrayList<>();

    DynamicInt8Quantizer(OnnxModelFile model, OnnxQuantizeOptions options) {
        this.model = model;
        this.options = options;
    }

    QuantizedGraph quantize() {
        for (GraphNode node : model.nodes()) {
            if (options.excludes(node)) {
                if (isCandidate(node)) {
                    plan.add(new Entry(node.name(), node.opType(), Action.FLOAT, "excluded"));
                }
                keepFloat(node);
                continue;
            }
            switch (node.domain().isEmpty() || node.domain().equals("ai.onnx") ? node.opType() : node.domain() + "." + node.opType()) {
                case "MatMul" -> matMul(node);
                case "Gather" -> gather(node);
                case "Transpose" -> transpose(node);
                default -> {
                    if (UNSUPPORTED.contains(node.opType())) {
                        plan.add(new Entry(node.name(), node.opType(), Action.UNSUPPORTED,
                                "ORT quantizes it dynamically; quantforge does not yet"));
                    }
                    keepFloat(node);
                }
            }
        }
        for (String output : model.graphOutputs()) {
            dequantize(output);
        }
        return new QuantizedGraph(nodes, QuantizedGraph.keptInitializers(model, nodes), tensors, options.precision(),
                new QuantizationPlan(options.precision(), plan));
    }

    private boolean isCandidate(GraphNode node) {
        return node.opType().equals("MatMul") || UNSUPPORTED.contains(node.opType())
                || (node.opType().equals("Gather") && model.initializers().containsKey(node.input(0)));
    }

    private void matMul(GraphNode node) {
        StoredTensor b = model.initializers().get(node.input(1));
        String reason = null;
        if (b == null) {
            reason = "B is not a constant (MatMulConstBOnly)";
        } else if (model.initializers().containsKey(node.input(0))) {
            reason = "A is a constant";
        } else if (b.dataType() != StoredTensor.FLOAT) {
            reason = "B is " + (b.dataType() == StoredTensor.FLOAT16 ? "float16" : "type " + b.dataType()) + ", not float32";
        } else if (b.dims().length != 2) {
            reason = "B has rank " + b.dims().length + ", not 2";
        }
        Quantized weight = null;
        if (reason == null) {
            weight = quantized.get(b.name());
            if (weight == null) {
                WeightResult result = quantizeWeight(b);
                reason = result.reason();
                weight = result.value();
            }
        }
        if (reason != null) {
            plan.add(new Entry(node.name(), "MatMul", Action.FLOAT, reason));
            keepFloat(node);
            return;
        }
        Quantized activation = activation(node.input(0));
        String out = node.output(0);
        String integerOut = out + "_output_quantized";
        String integerName = node.name().isEmpty() ? "" : node.name() + "_quant";
        emit(new GraphNode(integerName, "MatMulInteger", "",
                List.of(activation.qName(), weight.qName(), activation.zeroPointName(), weight.zeroPointName()),
                List.of(integerOut), null, false));
        String castOut = integerOut + "_cast_output";
        emit(GraphNode.of(integerOut + "_cast", "Cast", List.of(integerOut), List.of(castOut),
                GraphNode.intAttribute(new ProtoWriter(), "to", StoredTensor.FLOAT)));
        String scalesMul = integerName.isEmpty()
                ? activation.scaleName() + "_" + weight.scaleName() + "_mul" : integerName + "_scales_mul";
        if (!newNodeNames.contains(scalesMul)) {
            emit(GraphNode.of(scalesMul, "Mul", List.of(activation.scaleName(), weight.scaleName()),
                    List.of(scalesMul + ":0"), null));
        }
        emit(GraphNode.of(integerName.isEmpty() ? "" : integerName + "_output_scale_mul", "Mul",
                List.of(castOut, scalesMul + ":0"), List.of(out), null));
        plan.add(new Entry(node.name(), "MatMul", Action.QUANTIZED,
                "MatMulInteger (" + (options.weightType() == QuantType.UINT8 ? "uint8" : "int8") + " weights"
                        + (options.perChannel() ? " per channel" : "")
                        + (options.reduceRange() ? ", 7-bit" : "") + ")"));
    }

    private Quantized activation(String name) {
        Quantized q = quantized.get(name);
        if (q != null) {
            return q;
        }
        q = new Quantized(name + "_quantized", name + "_scale", name + "_zero_point", false);
        emit(GraphNode.of(name + "_QuantizeLinear", "DynamicQuantizeLinear", List.of(name),
                List.of(q.qName(), q.scaleName(), q.zeroPointName()), null));
        quantized.put(name, q);
        return q;
    }

    private record WeightResult(Quantized value, String reason) {
    }

    /**
     * B of a MatMul: int8 (or, for the avx2 preset, uint8: 0..254 around 127, as quant_utils' symmetric uint8 range)
     * symmetric, per tensor or per column (axis -1), 7-bit with reduce_range.
     */
    private WeightResult quantizeWeight(StoredTensor b) {
        float[] w = model.floats(b);
        if (!LinearQuantization.allFinite(w)) {
            return new WeightResult(null, "weights hold NaN or infinity");
        }
        int rows = Math.toIntExact(b.dims()[0]);
        int cols = Math.toIntExact(b.dims()[1]);
        QuantType type = options.weightType();
        int channels = options.perChannel() ? cols : 1;
        QuantParams[] params = new QuantParams[channels];
        for (int c = 0; c < channels; c++) {
            params[c] = options.perChannel()
                    ? LinearQuantization.paramsFor(w, c, w.length, cols, type, true, options.reduceRange())
                    : LinearQuantization.paramsFor(w, 0, w.length, 1, type, true, options.reduceRange());
            if (Float.isInfinite(params[c].scale())) {
                return new WeightResult(null, "weight range overflows float32 (ORT would write scale inf)");
            }
        }
        byte[] q = new byte[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                q[i] = (byte) LinearQuantization.quantize(w[i], params[options.perChannel() ? c : 0], type);
            }
        }
        Quantized result = new Quantized(b.name() + "_quantized", b.name() + "_scale", b.name() + "_zero_point", false);
        addParams(result, params, type, options.perChannel() ? new long[]{cols} : new long[0]);
        tensors.add(NewTensor.bytes(result.qName(), type.onnxId(), b.dims(), q));
        quantized.put(b.name(), result);
        return new WeightResult(result, null);
    }

    private void addParams(Quantized q, QuantParams[] params, QuantType type, long[] dims) {
        float[] scales = new float[params.length];
        byte[] zeroPoints = new byte[params.length];
        for (int i = 0; i < params.length; i++) {
            scales[i] = params[i].scale();
            zeroPoints[i] = (byte) params[i].zeroPoint();
        }
        tensors.add(NewTensor.floats(q.scaleName(), dims, scales));
        tensors.add(NewTensor.bytes(q.zeroPointName(), type.onnxId(), dims, zeroPoints));
    }

    /** GatherQuant: a float32 table becomes uint8 (the activation type: asymmetric, full range, per tensor). */
    private void gather(GraphNode node) {
        StoredTensor table = model.initializers().get(node.input(0));
        if (table == null) {
            // a Gather over an activation (shapes, indices) is no weight: ORT passes it by without a word, so does this
            keepFloat(node);
            return;
        }
        if (table.dataType() != StoredTensor.FLOAT) {
            plan.add(new Entry(node.name(), "Gather", Action.FLOAT, "data is not float32"));
            keepFloat(node);
            return;
        }
        Quantized q = quantized.get(table.name());
        if (q == null) {
            float[] values = model.floats(table);
            if (!LinearQuantization.allFinite(values)) {
                plan.add(new Entry(node.name(), "Gather", Action.FLOAT, "table holds NaN or infinity"));
                keepFloat(node);
                return;
            }
            QuantType type = QuantType.UINT8;
            QuantParams params = LinearQuantization.paramsFor(values, 0, values.length, 1, type, false, false);
            if (Float.isInfinite(params.scale())) {
                plan.add(new Entry(node.name(), "Gather", Action.FLOAT, "table range overflows float32"));
                keepFloat(node);
                return;
            }
            byte[] data = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                data[i] = (byte) LinearQuantization.quantize(values[i], params, type);
            }
            q = new Quantized(table.name() + "_quantized", table.name() + "_scale", table.name() + "_zero_point", false);
            addParams(q, new QuantParams[]{params}, type, new long[0]);
            tensors.add(NewTensor.bytes(q.qName(), type.onnxId(), table.dims(), data));
            quantized.put(table.name(), q);
        }
        String out = node.output(0);
        Quantized output = new Quantized(out + "_quantized", q.scaleName(), q.zeroPointName(), true);
        quantized.put(out, output);
        List<String> inputs = new ArrayList<>(node.inputs());
        inputs.set(0, q.qName());
        List<String> outputs = new ArrayList<>(node.outputs());
        outputs.set(0, output.qName());
        emit(node.withInputs(inputs).withOutputs(outputs));
        plan.add(new Entry(node.name(), "Gather", Action.QUANTIZED, "uint8 table + DequantizeLinear"));
    }

    /** Direct8BitOp: only when the input is already quantized; otherwise the Transpose stays as it is. */
    private void transpose(GraphNode node) {
        Quantized in = quantized.get(node.input(0));
        if (in == null) {
            keepFloat(node);
            return;
        }
        String out = node.output(0);
        Quantized output = new Quantized(out + "_quantized", in.scaleName(), in.zeroPointName(), true);
        quantized.put(out, output);
        List<String> inputs = new ArrayList<>(node.inputs());
        inputs.set(0, in.qName());
        emit(node.withInputs(inputs).withOutputs(List.of(output.qName())));
    }

    /** A node that stays float: its renamed inputs get their DequantizeLinear first. */
    private void keepFloat(GraphNode node) {
        node.inputs().forEach(this::dequantize);
        emit(node);
    }

    private void dequantize(String name) {
        Quantized q = quantized.get(name);
        if (q == null || !q.renamed() || !dequantized.add(name)) {
            return;
        }
        emit(GraphNode.of(name + "_DequantizeLinear", "DequantizeLinear", List.of(q.qName(), q.scaleName(), q.zeroPointName()),
                List.of(name), null));
    }

    private void emit(GraphNode node) {
        nodes.add(node);
        if (!node.name().isEmpty()) {
            newNodeNames.add(node.name());
        }
    }
}
