package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Raises a rewritten graph of opset 11 or 12 to opset 13, which per-channel QuantizeLinear/DequantizeLinear need
 * (ORT's QDQ quantizer refuses per channel below 13; quantforge upgrades where that is mechanical):
 * <ul>
 *   <li>ops whose versions 12 and 13 only add element types (or optional inputs with the old default) are kept as
 *       they are ({@link #UNCHANGED});</li>
 *   <li>Squeeze, Unsqueeze, ReduceSum and Split take their {@code axes}/{@code split} attribute as an int64 input
 *       from 13: the attribute becomes an initializer {@code <node output>_axes} (or {@code _split});</li>
 *   <li>Softmax, LogSoftmax and Hardmax changed meaning at 13 (one axis instead of flattening to 2-D), which is the
 *       same only when the axis is the last: kept when it is -1 or the rank calibration measured for the output less
 *       one, refused otherwise;</li>
 *   <li>any other op (or another domain's node other than ai.onnx.ml's) refuses the upgrade with its name.</li>
 * </ul>
 */
final class OpsetUpgrade {
    static final long TARGET = 13;
    static final Set<String> UNCHANGED = Set.of("Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool",
            "BatchNormalization", "Cast", "Ceil", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "ConvTranspose",
            "DequantizeLinear", "Div", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "Gemm",
            "GlobalAveragePool", "GlobalMaxPool", "Greater", "Identity", "InstanceNormalization", "LeakyRelu", "Less",
            "Log", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Not", "Or", "Pad", "Pow", "QuantizeLinear",
            "Range", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "Relu", "Reshape", "Shape", "Sigmoid", "Size",
            "Slice", "Sqrt", "Sub", "Sum", "Tanh", "Tile", "TopK", "Transpose", "Where");
    private static final Set<String> AXES_TO_INPUT = Set.of("Squeeze", "Unsqueeze", "ReduceSum");
    private static final Set<String> LAST_AXIS_ONLY = Set.of("Softmax", "LogSoftmax", "Hardmax");

    private OpsetUpgrade() {
    }

    /** Whether calibration should measure the node's output for its rank (a Softmax-like op's axis check). */
    static boolean needsRank(GraphNode node) {
        return (node.domain().isEmpty() || node.domain().equals("ai.onnx")) && LAST_AXIS_ONLY.contains(node.opType());
    }

    /** {@code graph} as opset 13; an {@link InvalidInputException} naming the op when that is not mechanical. */
    static QuantizedGraph to13(OnnxModelFile model, QuantizedGraph graph, java.util.Map<String, Integer> ranks) {
        long opset = model.opsets().getOrDefault("", 0L);
        Set<String> blocking = new TreeSet<>();
        List<GraphNode> nodes = new ArrayList<>();
        List<NewTensor> tensors = new ArrayList<>(graph.newTensors());
        for (GraphNode node : graph.nodes()) {
            String op = node.opType();
            boolean onnxDomain = node.domain().isEmpty() || node.domain().equals("ai.onnx");
            if (!onnxDomain) {
                if (!node.domain().equals("ai.onnx.ml")) {
                    blocking.add(node.domain() + "." + op);
                }
                nodes.add(node);
            } else if (node.hasSubgraph()) {
                blocking.add(op + " (has a subgraph)");
            } else if (UNCHANGED.contains(op)) {
                nodes.add(node);
            } else if (AXES_TO_INPUT.contains(op) || op.equals("Split")) {
                String attribute = op.equals("Split") ? "split" : "axes";
                long[] values = node.intsAttribute(attribute);
                if (values == null) {
                    nodes.add(node);
                    continue;
                }
                String name = node.output(0) + "_" + attribute;
                ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                for (long v : values) {
                    b.putLong(v);
                }
                tensors.add(NewTensor.bytes(name, 7, new long[]{values.length}, b.array()));
                List<String> inputs = new ArrayList<>(node.inputs());
                inputs.add(1, name);
                nodes.add(node.withoutAttribute(attribute).withInputs(inputs));
            } else if (LAST_AXIS_ONLY.contains(op)) {
                long axis = node.intAttribute("axis", 1);
                Integer rank = ranks.get(node.output(0));
                if (axis != -1 && (rank == null || axis != rank - 1)) {
                    blocking.add(op + " (axis " + axis + ", not the last" + (rank == null ? " as far as calibration saw" : "") + ")");
                }
                nodes.add(node);
            } else {
                blocking.add(op);
            }
        }
        if (!blocking.isEmpty()) {
            throw new InvalidInputException(model.path() + ": per-channel QDQ needs opset 13 and the model has " + opset
                    + "; quantforge upgrades only graphs whose ops do not change meaning up to 13, and "
                    + String.join(", ", blocking) + " may; convert the model (onnx.version_converter) or quantize per tensor");
        }
        return new QuantizedGraph(nodes, graph.keptInitializers(), tensors, graph.precision(), graph.plan(),
                graph.extraOutputs(), TARGET);
    }
}
