package dev.quantforge.engine.onnx.quantize;

/** A scale and zero point: {@code real = scale * (q - zeroPoint)}. */
public record QuantParams(float scale, int zeroPoint) {
}
