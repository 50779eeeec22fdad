package dev.quantforge.engine.quantize;

import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.imatrix.ImportanceMatrix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The metadata of a quantized file, key for key and in llama.cpp's order: every key of the input but the
 * split keys, then {@code general.quantization_version} and {@code general.file_type}, then, when an
 * importance matrix was used, where it came from under llama.cpp's {@code quantize.imatrix.*} keys.
 * gguf's {@code gguf_set_val_*} removes a key that is already there and appends it, so a key the input
 * already has moves to the end; {@link #set} does the same.
 */
public final class OutputMetadata {
    public static final String FILE_TYPE = "general.file_type";
    public static final String QUANTIZATION_VERSION = "general.quantization_version";
    /** ggml's block layout generation; readers refuse other values. */
    public static final int GGML_QUANTIZATION_VERSION = 2;
    /** A single output file is never a split: llama.cpp drops these keys of a split input. */
    private static final List<String> SPLIT_KEYS = List.of("split.no", "split.count", "split.tensors.count");

    private OutputMetadata() {
    }

    /**
     * @param fileType the llama file type number, or empty when no single file type describes the
     *                 output (the key is then removed rather than left saying something false)
     */
    public static Map<String, GgufValue> of(Map<String, GgufValue> input, OptionalInt fileType, ImportanceMatrix imatrix) {
        Map<String, GgufValue> out = new LinkedHashMap<>(input);
        SPLIT_KEYS.forEach(out::remove);
        set(out, QUANTIZATION_VERSION, GgufValue.ofUint32(GGML_QUANTIZATION_VERSION));
        if (fileType.isPresent()) {
            set(out, FILE_TYPE, GgufValue.ofUint32(fileType.getAsInt()));
        } else {
            out.remove(FILE_TYPE);
        }
        if (imatrix != null) {
            set(out, "quantize.imatrix.file", GgufValue.ofString(imatrix.source().getFileName().toString()));
            String dataset = imatrix.provenance().get("imatrix.datasets");
            if (dataset != null) {
                set(out, "quantize.imatrix.dataset", GgufValue.ofString(dataset));
            }
            set(out, "quantize.imatrix.entries_count", GgufValue.ofInt32(imatrix.size()));
            String chunks = imatrix.provenance().get("imatrix.chunk_count");
            if (chunks != null) {
                set(out, "quantize.imatrix.chunks_count", GgufValue.ofInt32(Integer.parseInt(chunks)));
            }
        }
        return out;
    }

    private static void set(Map<String, GgufValue> metadata, String key, GgufValue value) {
        metadata.remove(key);
        metadata.put(key, value);
    }
}
