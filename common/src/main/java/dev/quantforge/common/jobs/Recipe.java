package dev.quantforge.common.jobs;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What to build for one target: the output format, its file type (for GGUF a llama.cpp file type), the
 * quantize options that llama-quantize takes (all optional), and the settings of other formats.
 *
 * @param settings a format's own settings by name (e.g. an ONNX block size), empty for GGUF
 */
public record Recipe(String format, String ftype, boolean pure, String outputTensorType, String tokenEmbeddingType,
                     boolean leaveOutputTensor, List<String> tensorTypes, SortedMap<String, String> settings) {

    public static final String GGUF = "gguf";

    public Recipe {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(ftype, "ftype");
        tensorTypes = tensorTypes == null ? List.of() : List.copyOf(tensorTypes);
        settings = Collections.unmodifiableSortedMap(settings == null ? new TreeMap<>() : new TreeMap<>(settings));
    }

    public Recipe(String format, String ftype, boolean pure, String outputTensorType, String tokenEmbeddingType,
                  boolean leaveOutputTensor, List<String> tensorTypes) {
        this(format, ftype, pure, outputTensorType, tokenEmbeddingType, leaveOutputTensor, tensorTypes, null);
    }

    public static Recipe gguf(String ftype) {
        return new Recipe(GGUF, ftype, false, null, null, false, List.of());
    }

    /** Whether any of llama-quantize's tensor-type options is set: pure, output/token-embedding type, tensor types. */
    public boolean hasGgufTensorOptions() {
        return pure || outputTensorType != null || tokenEmbeddingType != null || leaveOutputTensor
                || !tensorTypes.isEmpty();
    }

    /**
     * A short name for paths and tables: the file type, with a mark when options change it; an ONNX recipe is named
     * by its precision and settings ({@code onnx-int4-b32}, {@link OnnxRecipes}).
     */
    public String variantName() {
        if (OnnxModelRecipes.FORMAT.equals(format)) {
            String onnxModel = OnnxModelRecipes.variantName(this);
            if (onnxModel != null) {
                return onnxModel;
            }
        }
        if (OnnxRecipes.FORMAT.equals(format)) {
            String onnx = OnnxRecipes.variantName(this);
            if (onnx != null) {
                return onnx;
            }
        }
        boolean plain = !hasGgufTensorOptions() && settings.isEmpty();
        String options = String.join("|", format, ftype, String.valueOf(pure), String.valueOf(outputTensorType),
                String.valueOf(tokenEmbeddingType), String.valueOf(leaveOutputTensor), String.join(",", tensorTypes));
        // settings join the hash only when there are some, so that earlier names stay as they were
        return plain ? ftype : ftype + "-custom-" + stableHash(settings.isEmpty() ? options : options + "|" + settings);
    }

    /** Six hex digits of the SHA-256 of the options: the same name on every JVM, unlike hashCode. */
    private static String stableHash(String options) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(options.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 3);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
