package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoWriter;
import dev.quantforge.engine.onnx.quantize.QdqSelection.Kind;
import dev.quantforge.engine.onnx.quantize.QdqSelection.Role;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static quantization in QDQ format, as {@code quantize_static(quant_format=QDQ)} writes it from calibrated ranges,
 * for the ops of {@link QdqOps} chosen by {@link QdqSelection}; names as ORT's:
 * <ul>
 *   <li>an activation T gets {@code T_scale}, {@code T_zero_point} (compute_scale_zp over its range in the activation
 *       type) and {@code T_QuantizeLinear} → {@code T_DequantizeLinear} right after its producer; every consumer
 *       reads {@code T_DequantizeLinear_Output}. A graph output keeps its name on the DequantizeLinear, and its
 *       producer writes {@code T_QuantizeLinear_Input}. With dedicated pairs, a tensor read by several quantized
 *       nodes gets a pair per reader ({@code _1}, {@code _2}, …) and other readers read it float;</li>
 *   <li>a shared tensor (a direct op's output) gets a pair with its input's scale and zero point;</li>
 *   <li>a weight is stored int8, symmetric ({@code W_quantized}, {@code W_scale}, {@code W_zero_point}, per channel
 *       with an {@code axis}) behind {@code W_DequantizeLinear}; with weight QDQ pairs the float weight is kept and
 *       goes through {@code W_QuantizeLinear} first. An initializer read as an activation (Add's constant) is stored
 *       the same way in the activation type, per tensor, symmetric as weights are;</li>
 *   <li>a bias is stored int32 ({@link BiasQuantization}: {@code B_quantized}, {@code B_quantized_scale},
 *       {@code B_quantized_zero_point}) behind {@code B_DequantizeLinear}, whose output keeps the name B; a Gemm's
 *       beta goes into the scale and the attribute becomes 1.</li>
 * </ul>
 * A tensor whose range or values have no finite quantized form (NaN, infinity, overflow) stays float.
 */
final class StaticQdqQuantizer {
    /** The scale and zero point initializers a tensor's pair uses, and the per-channel axis. */
    private record Params(String scale, String zeroPoint, Integer axis) {
    }

    private final OnnxModelFile model;
    private final OnnxQuantizeOptions options;
    private final QdqSettings settings;
    private final List<NewTensor> tensors = new ArrayList<>();
    private final List<GraphNode> prologue = new ArrayList<>();
    private final Map<String, Params> params = new LinkedHashMap<>();
    private final Map<String, float[]> scaleValues = new HashMap<>();
    /** Initializers replaced by a DequantizeLinear's output under the same name (biases): not to be written. */
    private final Set<String> replacedInitializers = new HashSet<>();
    private final Map<String, String> consumerInputs = new HashMap<>();
    private final List<Entry> notes = new ArrayList<>();

    StaticQdqQuantizer(OnnxModelFile model, OnnxQuantizeOptions options) {
        this.model = model;
        this.options = options;
        this.settings = options.qdq();
    }

    QuantizedGraph quantize(Map<String, float[]> ranges) {
        QdqSelection selection = QdqSelection.decide(model, options, ranges.keySet());
        for (Map.Entry<String, Role> e : selection.tensors.entrySet()) {
            String name = e.getKey();
            switch (e.getValue().kind()) {
                case ACTIVATION -> activationParams(name, ranges.get(name));
                case CONSTANT -> storeInitializer(name, settings.activationType(), null, false);
                // ORT's QDQ path applies reduce_range to per-channel weights only (quantize_weight_per_channel);
                // quantize_initializer, its per-tensor path, is called without it
                case WEIGHT -> storeInitializer(name, QuantType.INT8, e.getValue().axis(),
                        options.reduceRange() && e.getValue().axis() != null);
                case SHARED -> { }
            }
        }
        for (Map.Entry<String, Role> e : selection.tensors.entrySet()) {
            if (e.getValue().kind() == Kind.SHARED) {
                Params provider = params.get(root(selection, e.getKey()));
                if (provider != null) {
                    params.put(e.getKey(), provider);
                }
            }
        }
        Map<Integer, Float> gemmBetaReset = new HashMap<>();
        selection.biases.forEach((bias, b) -> {
            if (bias(bias, b)) {
                if (b.beta() != 1f) {
                    gemmBetaReset.put(b.nodeIndex(), 1f);
                }
            }
        });
        return emit(selection, gemmBetaReset);
    }

    private static String root(QdqSelection selection, String tensor) {
        String t = tensor;
        for (Role r = selection.tensors.get(t); r != null && r.kind() == Kind.SHARED; r = selection.tensors.get(t)) {
            t = r.provider();
        }
        return t;
    }

    private void activationParams(String tensor, float[] range) {
        if (range == null || !Float.isFinite(range[0]) || !Float.isFinite(range[1])) {
            notes.add(new Entry(tensor, "tensor", Action.FLOAT, "calibrated range is not finite"));
            return;
        }
        int[] q = settings.activationType().range(false, settings.activationSymmetric());
        QuantParams p = LinearQuantization.scaleAndZeroPoint(range[0], range[1], q[0], q[1], settings.activationSymmetric());
        if (!Float.isFinite(p.scale())) {
            notes.add(new Entry(tensor, "tensor", Action.FLOAT, "calibrated range overflows float32"));
            return;
        }
        addParams(tensor, settings.activationType(), new QuantParams[]{p}, null);
    }

    private Params addParams(String tensor, QuantType type, QuantParams[] p, Integer axis) {
        float[] scales = new float[p.length];
        byte[] zeroPoints = new byte[p.length];
        for (int c = 0; c < p.length; c++) {
            scales[c] = p[c].scale();
            zeroPoints[c] = (byte) p[c].zeroPoint();
        }
        long[] dims = axis == null ? new long[0] : new long[]{p.length};
        Params names = new Params(tensor + "_scale", tensor + "_zero_point", axis);
        tensors.add(NewTensor.floats(names.scale(), dims, scales));
        tensors.add(NewTensor.bytes(names.zeroPoint(), type.onnxId(), dims, zeroPoints));
        params.put(tensor, names);
        scaleValues.put(tensor, scales);
        return names;
    }

    /** A float32 initializer stored in {@code type} (symmetric) behind a DequantizeLinear, or a QDQ pair on it. */
    private void storeInitializer(String name, QuantType type, Integer axis, boolean reduceRange) {
        StoredTensor t = model.initializers().get(name);
        float[] w = model.floats(t);
        if (!LinearQuantization.allFinite(w)) {
            notes.add(new Entry(name, "initializer", Action.FLOAT, "holds NaN or infinity"));
            return;
        }
        QuantParams[] p = axis == null
                ? new QuantParams[]{LinearQuantization.paramsFor(w, 0, w.length, 1, type, true, reduceRange)}
                : LinearQuantization.paramsPerChannel(w, t.dims(), axis, type, true, reduceRange);
        for (QuantParams q : p) {
            if (!Float.isFinite(q.scale())) {
                notes.add(new Entry(name, "initializer", Action.FLOAT, "range overflows float32"));
                return;
            }
        }
        Params names = addParams(name, type, p, axis);
        String dqOutput = name + "_DequantizeLinear_Output";
        ProtoWriter axisAttribute = axis == null ? null : GraphNode.intAttribute(new ProtoWriter(), "axis", axis);
        String dqInput;
        if (settings.weightQdqPairs()) {
            dqInput = name + "_QuantizeLinear_Output";
            prologue.add(GraphNode.of(name + "_QuantizeLinear", "QuantizeLinear", List.of(name, names.scale(), names.zeroPoint()),
                    List.of(dqInput), axis == null ? null : GraphNode.intAttribute(new ProtoWriter(), "axis", axis)));
        } else {
            dqInput = name + "_quantized";
            long inner = 1;
            for (int d = axis == null ? t.dims().length : axis + 1; d < t.dims().length; d++) {
                inner *= t.dims()[d];
            }
            byte[] q = new byte[w.length];
            for (int i = 0; i < w.length; i++) {
                q[i] = (byte) LinearQuantization.quantize(w[i], p[axis == null ? 0 : LinearQuantization.channelOf(i, inner, p.length)], type);
            }
            tensors.add(NewTensor.bytes(dqInput, type.onnxId(), t.dims(), q));
        }
        prologue.add(GraphNode.of(name + "_DequantizeLinear", "DequantizeLinear",
                List.of(dqInput, names.scale(), names.zeroPoint()), List.of(dqOutput), axisAttribute));
        consumerInputs.put(name, dqOutput);
    }

    /** quantize_bias_static; false (the bias stays float) when its input or weight is not quantized or it has no int32 form. */
    private boolean bias(String name, QdqSelection.Bias b) {
        float[] inputScale = scaleValues.get(rootOfParams(b.input()));
        float[] weightScales = scaleValues.get(b.weight());
        StoredTensor t = model.initializers().get(name);
        if (inputScale == null || weightScales == null || inputScale.length != 1 || t.dims().length != 1) {
            notes.add(new Entry(name, "bias", Action.FLOAT, "input or weight not quantized"));
            return false;
        }
        BiasQuantization.Int32Bias q = BiasQuantization.quantize(model.floats(t), inputScale[0], weightScales, b.beta());
        if (q == null) {
            notes.add(new Entry(name, "bias", Action.FLOAT, "no int32 form (NaN, infinity, or a zero or infinite scale)"));
            return false;
        }
        ByteBuffer values = ByteBuffer.allocate(4 * q.values().length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : q.values()) {
            values.putInt(v);
        }
        long[] scaleDims = {q.scales().length};
        String quantized = name + "_quantized";
        tensors.add(NewTensor.bytes(quantized, StoredTensor.INT32, t.dims(), values.array()));
        tensors.add(NewTensor.floats(quantized + "_scale", scaleDims, q.scales()));
        // as ORT: the scale is always 1-D ([1] per tensor), the zero point a scalar unless there is one per channel
        long[] zeroPointDims = q.scales().length > 1 ? scaleDims : new long[0];
        tensors.add(NewTensor.bytes(quantized + "_zero_point", StoredTensor.INT32, zeroPointDims, new byte[4 * q.scales().length]));
        ProtoWriter axis = q.scales().length > 1 ? GraphNode.intAttribute(new ProtoWriter(), "axis", 0) : null;
        prologue.add(GraphNode.of(name + "_DequantizeLinear", "DequantizeLinear",
                List.of(quantized, quantized + "_scale", quantized + "_zero_point"), List.of(name), axis));
        replacedInitializers.add(name);
        return true;
    }

    /** The tensor whose scale a tensor's pair uses (itself, or the input it shares parameters with). */
    private String rootOfParams(String tensor) {
        Params p = params.get(tensor);
        if (p == null) {
            return tensor;
        }
        return p.scale().substring(0, p.scale().length() - "_scale".length());
    }

    private QuantizedGraph emit(QdqSelection selection, Map<Integer, Float> gemmBetaReset) {
        List<GraphNode> source = model.nodes();
        Set<String> graphOutputs = new HashSet<>(model.graphOutputs());
        Map<Integer, Map<String, String>> dedicatedInputs = new HashMap<>();
        Map<String, String> renamedOutputs = new HashMap<>();
        Map<String, List<GraphNode>> pairsAfter = new HashMap<>();
        Set<String> produced = new HashSet<>(model.graphInputNames().values());
        source.forEach(n -> produced.addAll(n.outputs()));
        for (Map.Entry<String, Role> e : selection.tensors.entrySet()) {
            String t = e.getKey();
            Kind kind = e.getValue().kind();
            Params p = params.get(t);
            if (p == null || kind == Kind.WEIGHT || kind == Kind.CONSTANT || !produced.contains(t)) {
                continue;
            }
            List<GraphNode> pairs = new ArrayList<>();
            List<Integer> readers = selection.receivers.getOrDefault(t, List.of());
            if (settings.dedicatedPairs() && readers.size() > 1) {
                for (int i = 0; i < readers.size(); i++) {
                    String suffix = "_" + (i + 1);
                    String dq = t + "_DequantizeLinear_Output" + suffix;
                    pairs.addAll(pair(t, t, t + "_QuantizeLinear_Output" + suffix, dq, suffix, p));
                    dedicatedInputs.computeIfAbsent(readers.get(i), k -> new HashMap<>()).put(t, dq);
                }
            } else if (graphOutputs.contains(t)) {
                String q = t + "_QuantizeLinear_Input";
                renamedOutputs.put(t, q);
                pairs.addAll(pair(t, q, t + "_QuantizeLinear_Output", t, "", p));
            } else {
                String dq = t + "_DequantizeLinear_Output";
                consumerInputs.put(t, dq);
                pairs.addAll(pair(t, t, t + "_QuantizeLinear_Output", dq, "", p));
            }
            pairsAfter.put(t, pairs);
        }
        List<GraphNode> nodes = new ArrayList<>(prologue);
        for (String input : model.graphInputNames().values()) {
            nodes.addAll(pairsAfter.getOrDefault(input, List.of()));
        }
        for (int i = 0; i < source.size(); i++) {
            GraphNode node = source.get(i);
            Map<String, String> dedicated = dedicatedInputs.getOrDefault(i, Map.of());
            List<String> inputs = node.inputs().stream()
                    .map(n -> dedicated.getOrDefault(n, consumerInputs.getOrDefault(n, n))).toList();
            List<String> outputs = node.outputs().stream().map(n -> renamedOutputs.getOrDefault(n, n)).toList();
            GraphNode rewritten = node.withInputs(inputs).withOutputs(outputs);
            if (gemmBetaReset.containsKey(i)) {
                rewritten = rewritten.withFloatAttribute("beta", gemmBetaReset.get(i));
            }
            nodes.add(rewritten);
            for (String output : node.outputs()) {
                nodes.addAll(pairsAfter.getOrDefault(output, List.of()));
            }
        }
        Set<String> kept = new HashSet<>(QuantizedGraph.keptInitializers(model, nodes));
        kept.removeAll(replacedInitializers);
        List<Entry> plan = new ArrayList<>(selection.plan);
        plan.addAll(notes);
        return new QuantizedGraph(nodes, kept, tensors, options.precision(), new QuantizationPlan(options.precision(), plan));
    }

    /** QuantizeLinear(input) → DequantizeLinear → {@code dqOutput}, named after tensor {@code t} (+ {@code suffix}). */
    private static List<GraphNode> pair(String t, String input, String qOutput, String dqOutput, String suffix, Params p) {
        return List.of(
                GraphNode.of(t + "_QuantizeLinear" + suffix, "QuantizeLinear", List.of(input, p.scale(), p.zeroPoint()), List.of(qOutput), null),
                GraphNode.of(t + "_DequantizeLinear" + suffix, "DequantizeLinear", List.of(qOutput, p.scale(), p.zeroPoint()), List.of(dqOutput), null));
    }
}
