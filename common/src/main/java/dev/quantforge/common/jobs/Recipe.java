package dev.quantforge.common.jobs;

import java.util.List;
import java.util.Objects;

/**
 * What to build for one target: the output format, the llama.cpp file type, and the quantize
 * options that llama-quantize takes (all optional).
 */
public record Recipe(String format, String ftype, boolean pure, String outputTensorType, String tokenEmbeddingType,
                     boolean leaveOutputTensor, List<String> tensorTypes) {

    public static final String GGUF = "gguf";

    public Recipe {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(ftype, "ftype");
        tensorTypes = tensorTypes == null ? List.of() : List.copyOf(tensorTypes);
    }

    public static Recipe gguf(String ftype) {
        return new Recipe(GGUF, ftype, false, null, null, false, List.of());
    }

    /** A short name for paths and tables: the file type, with a mark when options change it. */
    public String variantName() {
        boolean plain = !pure && outputTensorType == null && tokenEmbeddingType == null && !leaveOutputTensor
                && tensorTypes.isEmpty();
        return plain ? ftype : ftype + "-custom-" + Integer.toHexString(hashCode() & 0xFFFFFF);
    }
}
