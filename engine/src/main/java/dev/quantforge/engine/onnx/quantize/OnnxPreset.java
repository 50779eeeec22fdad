package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Optimum's {@code AutoQuantizationConfig} presets, with their defaults: uint8 activations everywhere but tensorrt;
 * weights int8 (avx512, avx512_vnni, arm64) or uint8 (avx2), symmetric, per channel; reduce_range off (avx2 and avx512
 * let the caller turn it on, avx512_vnni and arm64 fix it off); operators_to_quantize MatMul and Add.
 * <ul>
 *   <li>int8-dynamic (QOperator, IntegerOps): Add has no IntegerOps quantizer, so MatMul only; Gather tables and the
 *       other ops stay float (excluded by op type here);</li>
 *   <li>int8-static (QDQ): MatMul and Add with uint8 asymmetric activations; per-channel weights are int8 whatever
 *       the preset's weight type, as ORT's QDQ quantizer forces per-channel weights to int8 (so avx2's static form
 *       stores int8 weights); Add's constants are stored in the activation type, symmetric (uint8 0..254);</li>
 *   <li>tensorrt, static only: int8 symmetric activations and weights, per channel, QuantizeLinear →
 *       DequantizeLinear pairs on the weights (the float weights kept) and a pair per consumer
 *       (qdq_add_pair_to_weight, qdq_dedicated_pair), MatMul and Add.</li>
 * </ul>
 */
public enum OnnxPreset {
    AVX2(QuantType.UINT8, true), AVX512(QuantType.INT8, true), AVX512_VNNI(QuantType.INT8, false),
    ARM64(QuantType.INT8, false), TENSORRT(QuantType.INT8, false);

    /** What quantize_dynamic would quantize besides MatMul, and what quantforge lists as unsupported: not in the preset. */
    static final List<String> NOT_IN_PRESET = List.of("Gather", "Transpose", "Conv", "Attention", "LSTM",
            "EmbedLayerNormalization");

    private final QuantType weightType;
    private final boolean reduceRangeAllowed;

    OnnxPreset(QuantType weightType, boolean reduceRangeAllowed) {
        this.weightType = weightType;
        this.reduceRangeAllowed = reduceRangeAllowed;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OnnxPreset parse(String name) {
        for (OnnxPreset p : values()) {
            if (p.cliName().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidInputException("--preset " + name + ": avx2, avx512, avx512_vnni, arm64 or tensorrt");
    }

    /**
     * The options of this preset for {@code method}: per channel, its weight type, reduce range only where the preset
     * allows it, and only MatMul quantized; {@code exclude} is kept and added to.
     */
    public OnnxQuantizeOptions options(OnnxQuantizeOptions.Method method, boolean reduceRange, List<String> exclude) {
        if (method == OnnxQuantizeOptions.Method.INT4) {
            throw new InvalidInputException("--preset " + cliName() + " has no int4 form (Optimum's presets are 8-bit)");
        }
        if (this == TENSORRT && method != OnnxQuantizeOptions.Method.INT8_STATIC) {
            throw new InvalidInputException("--preset tensorrt is static QDQ only (TensorRT takes QDQ graphs); use int8-static");
        }
        if (reduceRange && !reduceRangeAllowed) {
            throw new InvalidInputException("--preset " + cliName() + " fixes reduce_range off (Optimum's preset takes "
                    + "no reduce_range); drop --reduce-range");
        }
        List<String> excluded = new ArrayList<>(exclude == null ? List.of() : exclude);
        if (method == OnnxQuantizeOptions.Method.INT8_STATIC) {
            QdqSettings qdq = this == TENSORRT
                    ? new QdqSettings(QuantType.INT8, true, true, true, Set.copyOf(QdqSettings.OPTIMUM_OPERATORS))
                    : new QdqSettings(QuantType.UINT8, false, false, false, Set.copyOf(QdqSettings.OPTIMUM_OPERATORS));
            return new OnnxQuantizeOptions(method, true, reduceRange, excluded, 32, null, null, QuantType.INT8, qdq);
        }
        NOT_IN_PRESET.stream().filter(op -> !excluded.contains(op)).forEach(excluded::add);
        return new OnnxQuantizeOptions(method, true, reduceRange, excluded, 32, null, null, weightType);
    }
}
