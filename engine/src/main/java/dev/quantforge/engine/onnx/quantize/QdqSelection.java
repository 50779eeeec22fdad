package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Entry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tensors int8-static quantizes and how, decided node by node in graph order as ONNX Runtime's QDQ quantizer
 * does ({@code QDQQuantizer.quantize_model} with the op quantizers of {@link QdqOps}):
 * <ul>
 *   <li>an activation (a float32 tensor that calibration measured) is registered once, by the first node that asks;</li>
 *   <li>a float32 initializer read where an activation is expected (Add's or Mul's constant operand) is a
 *       {@link Kind#CONSTANT}: stored in the activation type, per tensor;</li>
 *   <li>a weighted op's weight is a {@link Kind#WEIGHT}, per channel when asked and the axis exists (this overrides
 *       an earlier registration, as ORT's quantize_weight_tensor does); a weight that is not an initializer is
 *       quantized as an activation;</li>
 *   <li>a direct op's output is {@link Kind#SHARED} with its input, only when that input is already registered;</li>
 *   <li>a Conv's or Gemm's constant float32 bias is quantized int32 from the input's and the weight's scales.</li>
 * </ul>
 */
final class QdqSelection {
    enum Kind { ACTIVATION, SHARED, CONSTANT, WEIGHT }

    /** How a tensor is quantized: {@code axis} for per-channel weights, {@code provider} for a shared tensor. */
    record Role(Kind kind, Integer axis, String provider) {
    }

    /** A bias to store int32 with scale {@code input scale × weight scale × beta}. */
    record Bias(int nodeIndex, String input, String weight, float beta) {
    }

    final Map<String, Role> tensors = new LinkedHashMap<>();
    final Map<String, Bias> biases = new LinkedHashMap<>();
    /** Per tensor, the quantized nodes that read it (by index), what DedicatedQDQPair gives a pair each. */
    final Map<String, List<Integer>> receivers = new LinkedHashMap<>();
    final List<Entry> plan = new ArrayList<>();

    private final OnnxModelFile model;
    private final OnnxQuantizeOptions options;
    private final Set<String> floatActivations;

    private QdqSelection(OnnxModelFile model, OnnxQuantizeOptions options, Set<String> floatActivations) {
        this.model = model;
        this.options = options;
        this.floatActivations = floatActivations;
    }

    /**
     * The tensors calibration should measure: every input and output of the nodes int8-static may quantize that is
     * not an initializer (calibration keeps the float32 ones, as ORT's calibrator selects by type).
     */
    static Set<String> candidates(OnnxModelFile model, OnnxQuantizeOptions options) {
        Set<String> names = new LinkedHashSet<>();
        for (GraphNode node : model.nodes()) {
            if (considered(node, options) || listedWhenFloat(node, options) || OpsetUpgrade.needsRank(node)) {
                node.inputs().stream().filter(t -> !t.isEmpty() && !model.initializers().containsKey(t)).forEach(names::add);
                node.outputs().stream().filter(t -> !t.isEmpty()).forEach(names::add);
            }
        }
        return names;
    }

    private static boolean considered(GraphNode node, OnnxQuantizeOptions options) {
        return defaultDomain(node) && QdqOps.built(node.opType()) && options.qdq().quantizes(node.opType())
                && !options.excludes(node);
    }

    /** An op ORT's QDQ quantizer has and quantforge does not: measured too, to list it when it is float arithmetic. */
    private static boolean listedWhenFloat(GraphNode node, OnnxQuantizeOptions options) {
        return defaultDomain(node) && QdqOps.NOT_BUILT.contains(node.opType()) && options.qdq().quantizes(node.opType());
    }

    private static boolean defaultDomain(GraphNode node) {
        return node.domain().isEmpty() || node.domain().equals("ai.onnx");
    }

    /** The decisions for {@code model}, where {@code floatActivations} are the tensors calibration measured. */
    static QdqSelection decide(OnnxModelFile model, OnnxQuantizeOptions options, Set<String> floatActivations) {
        QdqSelection s = new QdqSelection(model, options, floatActivations);
        List<GraphNode> nodes = model.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            s.visit(i, nodes.get(i));
        }
        return s;
    }

    private void visit(int index, GraphNode node) {
        String op = node.opType();
        if (!defaultDomain(node) || !options.qdq().quantizes(op)) {
            return;
        }
        if (!QdqOps.built(op)) {
            if (QdqOps.NOT_BUILT.contains(op) && hasFloatTensor(node)) {
                plan.add(new Entry(node.name(), op, Action.UNSUPPORTED, "ONNX Runtime's QDQ quantizer handles " + op
                        + "; quantforge leaves it float"));
            }
            return;
        }
        if (options.excludes(node)) {
            plan.add(new Entry(node.name(), op, Action.FLOAT, "excluded"));
            return;
        }
        int before = tensors.size() + biases.size();
        String reason = null;
        if (QdqOps.WEIGHTED.contains(op)) {
            weighted(index, node);
        } else if (QdqOps.EVERY_TENSOR.contains(op)) {
            node.inputs().forEach(this::activation);
            node.outputs().forEach(this::activation);
        } else {
            reason = direct(node);
        }
        if (reason == null && tensors.size() + biases.size() == before && !touchesRegistered(node)) {
            // integer arithmetic (shapes, indices): nothing ORT would quantize either, so not listed
            return;
        }
        if (reason != null) {
            if (!reason.isEmpty()) {
                plan.add(new Entry(node.name(), op, Action.FLOAT, reason));
            }
            return;
        }
        // ORT records every input of a quantized node as one of its receivers (what dedicated pairs are made for)
        for (String input : new LinkedHashSet<>(node.inputs())) {
            if (!input.isEmpty()) {
                receivers.computeIfAbsent(input, k -> new ArrayList<>()).add(index);
            }
        }
        plan.add(new Entry(node.name(), op, Action.QUANTIZED, detail(node)));
    }

    /** Whether the node reads or writes a float32 tensor: a measured activation or a float32 initializer. */
    private boolean hasFloatTensor(GraphNode node) {
        for (String t : node.inputs()) {
            StoredTensor i = model.initializers().get(t);
            if (floatActivations.contains(t) || (i != null && i.dataType() == StoredTensor.FLOAT)) {
                return true;
            }
        }
        return node.outputs().stream().anyMatch(floatActivations::contains);
    }

    private boolean touchesRegistered(GraphNode node) {
        return node.inputs().stream().anyMatch(tensors::containsKey) || node.outputs().stream().anyMatch(tensors::containsKey);
    }

    private void weighted(int index, GraphNode node) {
        if (node.opType().equals("MatMul")) {
            for (String input : node.inputs()) {
                if (model.initializers().containsKey(input)) {
                    weight(input, QdqOps.weightAxis(node));
                } else {
                    activation(input);
                }
            }
            node.outputs().forEach(this::activation);
            return;
        }
        activation(node.input(0));
        activation(node.output(0));
        weight(node.input(1), QdqOps.weightAxis(node));
        String bias = node.input(2);
        StoredTensor b = model.initializers().get(bias);
        if (!bias.isEmpty() && b != null && b.dataType() == StoredTensor.FLOAT) {
            float beta = node.opType().equals("Gemm") ? node.floatAttribute("beta", 1f) : 1f;
            biases.put(bias, new Bias(index, node.input(0), node.input(1), beta));
        }
    }

    /** Why a direct op stays float, or null when its output shares its input's parameters. */
    private String direct(GraphNode node) {
        if (node.opType().equals("MaxPool") && model.opsets().getOrDefault("", 0L) < 12) {
            return "8-bit MaxPool needs opset 12";
        }
        Role input = tensors.get(node.input(0));
        if (!hasFloatTensor(node)) {
            return "";
        }
        if (input == null) {
            return "input not quantized (a " + node.opType() + " shares its input's parameters)";
        }
        if (input.axis() != null) {
            return "input quantized per channel";
        }
        if (!floatActivations.contains(node.output(0))) {
            return "output not calibrated";
        }
        tensors.put(node.output(0), new Role(Kind.SHARED, null, node.input(0)));
        return null;
    }

    /** quantize_activation_tensor: a float32 initializer or a measured float32 tensor, registered once. */
    private void activation(String tensor) {
        if (tensor.isEmpty() || tensors.containsKey(tensor)) {
            return;
        }
        StoredTensor t = model.initializers().get(tensor);
        if (t != null) {
            if (t.dataType() == StoredTensor.FLOAT) {
                tensors.put(tensor, new Role(Kind.CONSTANT, null, null));
            }
        } else if (floatActivations.contains(tensor)) {
            tensors.put(tensor, new Role(Kind.ACTIVATION, null, null));
        }
    }

    /** quantize_weight_tensor(_per_channel): per channel on {@code axis} when asked and the weight has that axis. */
    private void weight(String tensor, int axis) {
        StoredTensor t = model.initializers().get(tensor);
        if (t == null) {
            activation(tensor);
            return;
        }
        if (t.dataType() != StoredTensor.FLOAT) {
            return;
        }
        boolean perChannel = options.perChannel() && axis < t.dims().length;
        tensors.put(tensor, new Role(Kind.WEIGHT, perChannel ? axis : null, null));
    }

    private String detail(GraphNode node) {
        QdqSettings q = options.qdq();
        String activations = q.activationType().name().toLowerCase(java.util.Locale.ROOT)
                + (q.activationSymmetric() ? " symmetric" : "") + " activations, "
                + options.calibration().name().toLowerCase(java.util.Locale.ROOT);
        if (QdqOps.DIRECT.contains(node.opType())) {
            return "QDQ (output shares the input's parameters)";
        }
        if (QdqOps.WEIGHTED.contains(node.opType()) && node.inputs().stream().anyMatch(model.initializers()::containsKey)) {
            return "QDQ (" + activations + "; int8 weights" + (options.perChannel() ? " per channel" : "")
                    + (options.reduceRange() && options.perChannel() ? ", 7-bit" : "") + (q.weightQdqPairs() ? ", QDQ pairs" : "")
                    + (biases.values().stream().anyMatch(b -> node.inputs().contains(b.weight())) ? "; int32 bias" : "") + ")";
        }
        return "QDQ (" + activations + ")";
    }
}
