package dev.quantforge.engine.quantize;

import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.imatrix.ImportanceMatrix;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The metadata of a quantized file: every key of the input, with {@code general.file_type} and
 * {@code general.quantization_version} set (in place when present, as gguf does) and, when an
 * importance matrix was used, where it came from under llama.cpp's {@code quantize.imatrix.*} keys.
 */
public final class OutputMetadata {
    public static final String FILE_TYPE = "general.file_type";
    public static final String QUANTIZATION_VERSION = "general.quantization_version";
    /** ggml's block layout generation; readers refuse other values. */
    public static final int GGML_QUANTIZATION_VERSION = 2;

    private OutputMetadata() {
    }

    /**
     * @param fileType the llama file type number, or empty when no single file type describes the
     *                 output (the key is then removed rather than left saying something false)
     */
    public static Map<String, GgufValue> of(Map<String, GgufValue> input, OptionalInt fileType, boolean blockQuantized,
                                            ImportanceMatrix imatrix) {
        Map<String, GgufValue> out = new LinkedHashMap<>(input);
        if (blockQuantized) {
            out.put(QUANTIZATION_VERSION, GgufValue.ofUint32(GGML_QUANTIZATION_VERSION));
        }
        if (fileType.isPresent()) {
            out.put(FILE_TYPE, GgufValue.ofUint32(fileType.getAsInt()));
        } else {
            out.remove(FILE_TYPE);
        }
        if (imatrix != null) {
            out.put("quantize.imatrix.file", GgufValue.ofString(imatrix.source().getFileName().toString()));
            String dataset = imatrix.provenance().get("imatrix.datasets");
            if (dataset != null) {
                out.put("quantize.imatrix.dataset", GgufValue.ofString(dataset));
            }
            out.put("quantize.imatrix.entries_count", GgufValue.ofInt32(imatrix.size()));
            String chunks = imatrix.provenance().get("imatrix.chunk_count");
            if (chunks != null) {
                out.put("quantize.imatrix.chunks_count", GgufValue.ofInt32(Integer.parseInt(chunks)));
            }
        }
        return out;
    }

}
