package dev.quantforge.engine.onnx.quantize;

import java.util.Set;

/**
 * The op types of ONNX Runtime's QDQ quantizer (registry.py: QDQRegistry, and QLinearOpsRegistry's ops, which
 * quantize_static quantizes in QDQ format with the generic rule), split by what quantforge builds:
 * <ul>
 *   <li>weighted ops (QDQConv, QDQGemm, QDQMatMul): input 0 and output 0 as activations, input 1 as a weight
 *       (per channel on axis 0 for Conv, 0 or 1 for Gemm as transB says, 1 for MatMul), a constant bias int32;</li>
 *   <li>{@link #EVERY_TENSOR} (QDQOperatorBase, the rule for ops without their own class): every input and output;</li>
 *   <li>{@link #DIRECT} (QDQDirect8BitOp and QDQMaxPool): the output shares the input's scale and zero point, and
 *       only when the input is already quantized (ForceQuantizeNoInputCheck off, as by default);</li>
 *   <li>{@link #NOT_BUILT}: the rest, left float and listed as unsupported in the plan.</li>
 * </ul>
 */
final class QdqOps {
    static final Set<String> WEIGHTED = Set.of("Conv", "Gemm", "MatMul");
    static final Set<String> EVERY_TENSOR = Set.of("Add", "Mul");
    static final Set<String> DIRECT = Set.of("Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice", "AveragePool",
            "MaxPool", "TopK");
    static final Set<String> NOT_BUILT = Set.of("ConvTranspose", "Clip", "Relu", "Resize", "Pad", "Split", "Gather",
            "GatherElements", "Where", "InstanceNormalization", "LayerNormalization", "BatchNormalization", "CumSum",
            "ArgMax", "LeakyRelu", "Sigmoid", "GlobalAveragePool", "Concat", "Softmax");

    private QdqOps() {
    }

    static boolean built(String opType) {
        return WEIGHTED.contains(opType) || EVERY_TENSOR.contains(opType) || DIRECT.contains(opType);
    }

    /** The per-channel axis of a weighted op's weight (QDQConv 0; QDQGemm 0 with transB, else 1; QDQMatMul 1). */
    static int weightAxis(GraphNode node) {
        return switch (node.opType()) {
            case "Conv" -> 0;
            case "Gemm" -> node.intAttribute("transB", 0) != 0 ? 0 : 1;
            default -> 1;
        };
    }
}
