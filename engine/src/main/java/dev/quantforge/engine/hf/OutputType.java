package dev.quantforge.engine.hf;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The type a conversion writes its matrices in ({@code --outtype}); 1-D tensors and norms stay F32
 * whatever is chosen, as in llama.cpp. Each maps to the {@code general.file_type} llama.cpp writes.
 */
public enum OutputType {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32);

    private final GgmlType ggmlType;
    private final int fileType;

    OutputType(GgmlType ggmlType, int fileType) {
        this.ggmlType = ggmlType;
        this.fileType = fileType;
    }

    public GgmlType ggmlType() {
        return ggmlType;
    }

    /** {@code general.file_type}: llama.cpp's {@code LLAMA_FTYPE_ALL_F32}, {@code MOSTLY_F16}, {@code MOSTLY_BF16}. */
    public int fileType() {
        return fileType;
    }

    /** Parses {@code f32}, {@code f16} or {@code bf16} (any case). */
    public static OutputType parse(String name) {
        for (OutputType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new InvalidInputException("output type " + name + " is not supported; choose one of "
                + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
