package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Optimum's {@code AutoQuantizationConfig} presets, with their defaults: uint8 activations everywhere but tensorrt;
 * weights int8 (avx512, avx512_vnni, arm64) or uint8 (avx2), symmetric, per channel; reduce_range off (avx2 and avx512
 * let the caller turn it on, avx512_vnni and arm64 fix it off); operators_to_quantize MatMul and Add, of which
 * quantize_dynamic's IntegerOps quantize MatMul only, so Gather tables and the other ops stay float (excluded by op
 * type here). tensorrt is static only (int8 symmetric activations, QDQ pairs on weights, dedicated pairs).
 * Built here: the four CPU presets with int8-dynamic. Not built: the static presets (uint8 activations, tensorrt's
 * symmetric int8 activations and weight QDQ pairs): refused with the reason.
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
        if (this == TENSORRT) {
            throw new InvalidInputException("--preset tensorrt is static QDQ with symmetric int8 activations and QDQ pairs "
                    + "on the weights, which quantforge does not build yet; int8-static writes asymmetric activations "
                    + "and DequantizeLinear-only weights");
        }
        if (method != OnnxQuantizeOptions.Method.INT8_DYNAMIC) {
            throw new InvalidInputException("--preset " + cliName() + " is built for int8-dynamic only; its static form "
                    + "(uint8 activations) is not built, and int4 has no preset");
        }
        if (reduceRange && !reduceRangeAllowed) {
            throw new InvalidInputException("--preset " + cliName() + " fixes reduce_range off (Optimum's preset takes "
                    + "no reduce_range); drop --reduce-range");
        }
        List<String> excluded = new ArrayList<>(exclude == null ? List.of() : exclude);
        NOT_IN_PRESET.stream().filter(op -> !excluded.contains(op)).forEach(excluded::add);
        return new OnnxQuantizeOptions(method, true, reduceRange, excluded, 32, null, null, weightType);
    }
}
