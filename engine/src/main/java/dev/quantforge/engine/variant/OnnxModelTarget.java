package dev.quantforge.engine.variant;

import dev.quantforge.engine.onnx.quantize.OnnxQuantizeOptions;

import java.util.Locale;
import java.util.Objects;

/**
 * An ONNX model source quantized as ONNX Runtime's quantization tool does (int8-dynamic or int8-static QDQ). An
 * int8-static target without calibration data calibrates on the engine's bundled sentences.
 */
public record OnnxModelTarget(OnnxQuantizeOptions options) implements Target {

    public OnnxModelTarget {
        Objects.requireNonNull(options, "options");
    }

    @Override
    public TargetFormat format() {
        return OnnxModelFormat.INSTANCE;
    }

    /** e.g. {@code onnx-int8-dynamic-per-channel-reduce-range}. */
    @Override
    public String name() {
        return "onnx-" + options.precision().toLowerCase(Locale.ROOT);
    }
}
