package dev.quantforge.engine.safetensors;

import dev.quantforge.engine.ggml.GgmlType;

import java.util.Optional;

/**
 * The element types the safetensors format names, with their widths. Only F32, F16 and BF16 have a
 * ggml counterpart that quantforge reads; the others are known so that a file holding them can still
 * be validated and its float tensors used.
 */
public enum SafetensorsDtype {
    BOOL(1, null), U8(1, null), I8(1, null), F8_E5M2(1, null), F8_E4M3(1, null),
    I16(2, null), U16(2, null), F16(2, GgmlType.F16), BF16(2, GgmlType.BF16),
    I32(4, null), U32(4, null), F32(4, GgmlType.F32),
    I64(8, null), U64(8, null), F64(8, null);

    public static final String SUPPORTED = "F32, F16, BF16";

    private final int byteWidth;
    private final GgmlType ggmlType;

    SafetensorsDtype(int byteWidth, GgmlType ggmlType) {
        this.byteWidth = byteWidth;
        this.ggmlType = ggmlType;
    }

    public int byteWidth() {
        return byteWidth;
    }

    /** The ggml type with the same bytes, for the dtypes quantforge reads. */
    public Optional<GgmlType> ggmlType() {
        return Optional.ofNullable(ggmlType);
    }

    public static Optional<SafetensorsDtype> byName(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
