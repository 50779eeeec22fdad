package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The activation dtype of a quantized (int8, int4) ONNX variant: the type of the hidden states, the KV cache
 * (past/present) and the logits. The fp32 and fp16 targets fix theirs (float32, float16).
 */
public enum OnnxActivations {
    /** float32 activations, KV cache and logits (the default). */
    FP32(OnnxDataType.FLOAT),
    /**
     * float16 activations, KV cache and logits, as the fp16 target has them (norms and softmax still in float32);
     * what GPU execution providers want. int4's MatMulNBits then takes float16 A and float16 scales.
     */
    FP16(OnnxDataType.FLOAT16);

    private final OnnxDataType type;

    OnnxActivations(OnnxDataType type) {
        this.type = type;
    }

    public OnnxDataType type() {
        return type;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OnnxActivations parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.label().equals(n)).findFirst().orElseThrow(() ->
                new InvalidInputException("ONNX activations must be " + known() + ", got '" + name + "'"));
    }

    public static String known() {
        return Arrays.stream(values()).map(OnnxActivations::label).collect(Collectors.joining(" or "));
    }
}
