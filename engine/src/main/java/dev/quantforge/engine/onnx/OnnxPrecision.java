package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The weight precision of an ONNX variant. */
public enum OnnxPrecision {
    /** float32 weights and activations. */
    FP32,
    /** float16 weights, activations and KV cache (norms and softmax computed in float32, as Hugging Face does). */
    FP16,
    /** int8 weights, per output channel, symmetric: DequantizeLinear then MatMul; float32 (or float16) activations. */
    INT8,
    /** 4-bit blockwise weights in ONNX Runtime's MatMulNBits (com.microsoft); float32 (or float16) activations. */
    INT4;

    /** int8 and int4: quantized weights, with a choice of activation dtype ({@link OnnxActivations}). */
    public boolean quantized() {
        return this == INT8 || this == INT4;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OnnxPrecision parse(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidInputException("an ONNX target needs a precision (" + known() + ")");
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.label().equals(n)).findFirst().orElseThrow(() ->
                new InvalidInputException("unknown ONNX precision '" + name + "'; known: " + known()));
    }

    public static String known() {
        return Arrays.stream(values()).map(OnnxPrecision::label).collect(Collectors.joining(", "));
    }
}
