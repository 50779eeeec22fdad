package dev.quantforge.engine.variant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizeOptions;

import java.util.Objects;

/**
 * A GGUF variant: a llama.cpp file type planned with llama.cpp's mixture rules and options, or one ggml
 * type on every eligible tensor ({@code quantize --uniform}, how ggml's golden files are made).
 *
 * @param fileType    the llama file type; null for a uniform target
 * @param uniformType the one ggml type of a uniform target; null otherwise
 */
public record GgufTarget(LlamaFileType fileType, GgmlType uniformType, QuantizeOptions options) implements Target {

    public GgufTarget {
        if ((fileType == null) == (uniformType == null)) {
            throw new IllegalArgumentException("a GGUF target has a file type or a uniform type, not both or neither");
        }
        Objects.requireNonNull(options, "options");
    }

    public static GgufTarget fileType(LlamaFileType type, QuantizeOptions options) {
        return new GgufTarget(type, null, options);
    }

    public static GgufTarget uniform(GgmlType type) {
        return new GgufTarget(null, type, QuantizeOptions.defaults());
    }

    public boolean isUniform() {
        return uniformType != null;
    }

    @Override
    public TargetFormat format() {
        return GgufFormat.INSTANCE;
    }

    @Override
    public String name() {
        return isUniform() ? uniformType.ggmlName() : fileType.name();
    }
}
