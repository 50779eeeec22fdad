package dev.quantforge.engine.variant;

import dev.quantforge.engine.onnx.OnnxExportOptions;

import java.util.Objects;

/** An ONNX Runtime decoder directory in one precision (fp32, fp16, int8, int4 with its block options). */
public record OnnxTarget(OnnxExportOptions options) implements Target {

    public OnnxTarget {
        Objects.requireNonNull(options, "options");
    }

    @Override
    public TargetFormat format() {
        return OnnxFormat.INSTANCE;
    }

    /** e.g. {@code onnx-int4-b32-asym}. */
    @Override
    public String name() {
        return "onnx-" + options.name();
    }
}
