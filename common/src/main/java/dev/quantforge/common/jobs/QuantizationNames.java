package dev.quantforge.common.jobs;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The quantization names a job may ask for, as llama-quantize spells them, so that services can
 * check a request without depending on the engine. The engine's own enums (LlamaFileType,
 * GgmlType) are the authority; a test in the engine keeps these lists equal to them.
 */
public final class QuantizationNames {

    /** llama.cpp's {@code llama_ftype} names that llama-quantize accepts as the file type. */
    public static final Set<String> FILE_TYPES = Set.of(
            "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
            "Q2_K", "Q2_K_S", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",
            "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS", "IQ3_XS", "IQ3_S", "IQ3_M",
            "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0", "MXFP4_MOE");

    /** llama-quantize's short spellings of the _M mixtures. */
    private static final Map<String, String> FILE_TYPE_ALIASES = Map.of("Q3_K", "Q3_K_M", "Q4_K", "Q4_K_M",
            "Q5_K", "Q5_K_M");

    /**
     * ggml tensor types that a single tensor may be given ({@code --output-tensor-type},
     * {@code --token-embedding-type}, {@code --tensor-type}): the storable float and quantized types.
     */
    public static final Set<String> TENSOR_TYPES = Set.of(
            "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
            "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ4_NL", "IQ4_XS",
            "TQ1_0", "TQ2_0", "MXFP4");

    private QuantizationNames() {
    }

    /** The canonical file type name for a spelling in any case, aliases resolved; empty if unknown. */
    public static Optional<String> fileType(String spelling) {
        String upper = spelling.trim().toUpperCase(Locale.ROOT);
        String canonical = FILE_TYPE_ALIASES.getOrDefault(upper, upper);
        return FILE_TYPES.contains(canonical) ? Optional.of(canonical) : Optional.empty();
    }

    /** The canonical tensor type name for a spelling in any case; empty if unknown. */
    public static Optional<String> tensorType(String spelling) {
        String upper = spelling.trim().toUpperCase(Locale.ROOT);
        return TENSOR_TYPES.contains(upper) ? Optional.of(upper) : Optional.empty();
    }
}
