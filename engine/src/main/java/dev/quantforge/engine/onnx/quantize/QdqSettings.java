package dev.quantforge.engine.onnx.quantize;

import java.util.List;
import java.util.Set;

/**
 * What int8-static writes beyond the common options, as {@code quantize_static(quant_format=QDQ)}'s settings:
 * the activation type and whether activations are symmetric ({@code ActivationSymmetric}), QuantizeLinear →
 * DequantizeLinear pairs on weights instead of a lone DequantizeLinear ({@code AddQDQPairToWeight}), a pair per
 * consumer ({@code DedicatedQDQPair}), and the op types to quantize ({@code op_types_to_quantize}; null: every op
 * quantforge builds). {@link #ORT_DEFAULTS} is quantize_static's: int8 asymmetric activations, shared pairs,
 * DequantizeLinear-only weights.
 */
public record QdqSettings(QuantType activationType, boolean activationSymmetric, boolean weightQdqPairs,
                          boolean dedicatedPairs, Set<String> opTypes) {
    public static final QdqSettings ORT_DEFAULTS = new QdqSettings(QuantType.INT8, false, false, false, null);
    /** quantize_static's defaults with {@code op_types_to_quantize=["MatMul"]}: what int8-static recipes in jobs build. */
    public static final QdqSettings MATMUL_ONLY = new QdqSettings(QuantType.INT8, false, false, false, Set.of("MatMul"));

    public QdqSettings {
        if (activationType == null) {
            throw new IllegalArgumentException("activationType is required");
        }
        opTypes = opTypes == null ? null : Set.copyOf(opTypes);
    }

    /** Optimum's {@code operators_to_quantize} default for its presets. */
    static final List<String> OPTIMUM_OPERATORS = List.of("MatMul", "Add");

    boolean quantizes(String opType) {
        return opTypes == null || opTypes.contains(opType);
    }
}
