package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The file types {@code llama-quantize} accepts (llama.cpp's {@code llama_ftype}): the number written
 * to {@code general.file_type} and the type most tensors get before the per-tensor rules of
 * {@link QuantizationPlanner} adjust it.
 */
public enum LlamaFileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q8_0(7, GgmlType.Q8_0),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    IQ2_XXS(19, GgmlType.IQ2_XXS),
    IQ2_XS(20, GgmlType.IQ2_XS),
    Q2_K_S(21, GgmlType.Q2_K),
    IQ3_XS(22, GgmlType.IQ3_S),
    IQ3_XXS(23, GgmlType.IQ3_XXS),
    IQ1_S(24, GgmlType.IQ1_S),
    IQ4_NL(25, GgmlType.IQ4_NL),
    IQ3_S(26, GgmlType.IQ3_S),
    IQ3_M(27, GgmlType.IQ3_S),
    // IQ2_S starts from iq2_xs and IQ2_M from iq2_s: the mixture rules raise the sensitive tensors.
    IQ2_S(28, GgmlType.IQ2_XS),
    IQ2_M(29, GgmlType.IQ2_S),
    IQ4_XS(30, GgmlType.IQ4_XS),
    IQ1_M(31, GgmlType.IQ1_M),
    BF16(32, GgmlType.BF16),
    TQ1_0(36, GgmlType.TQ1_0),
    TQ2_0(37, GgmlType.TQ2_0),
    MXFP4_MOE(38, GgmlType.MXFP4);

    private final int id;
    private final GgmlType defaultType;

    LlamaFileType(int id, GgmlType defaultType) {
        this.id = id;
        this.defaultType = defaultType;
    }

    /** The {@code llama_ftype} number, written to {@code general.file_type}. */
    public int id() {
        return id;
    }

    /** The type a quantizable tensor gets unless a mixture rule or an option says otherwise. */
    public GgmlType defaultType() {
        return defaultType;
    }

    public static Optional<LlamaFileType> byId(int id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst();
    }

    /**
     * The file type as {@code llama-quantize} spells it, case-insensitively, including its aliases
     * {@code Q3_K}, {@code Q4_K} and {@code Q5_K} (the _M mixtures), or its number.
     */
    public static LlamaFileType parse(String spelling) {
        String upper = spelling.trim().toUpperCase(Locale.ROOT);
        switch (upper) {
            case "Q3_K":
                return Q3_K_M;
            case "Q4_K":
                return Q4_K_M;
            case "Q5_K":
                return Q5_K_M;
            default:
                break;
        }
        for (LlamaFileType t : values()) {
            if (t.name().equals(upper)) {
                return t;
            }
        }
        if (upper.matches("\\d{1,3}")) {
            Optional<LlamaFileType> byNumber = byId(Integer.parseInt(upper));
            if (byNumber.isPresent()) {
                return byNumber.get();
            }
        }
        throw new InvalidInputException("unknown quantization type '" + spelling + "'; expected one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
