package dev.quantforge.engine.ggml;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import static dev.quantforge.engine.ggml.GgmlCommon.QK_K;

/**
 * Every tensor type ggml knows, with its GGUF id and block geometry: {@code blockSize} values are
 * stored in {@code typeSize} bytes. Ids and geometry follow ggml's {@code ggml_type} enum; each type
 * size is written as the sum of its block's fields in the order of ggml's {@code block_*} struct
 * (ggml-common.h), named in the comment, so that it can be checked field by field. Codecs take their
 * block geometry from here.
 */
public enum GgmlType {
    F32(0, "f32", 1, 4),
    F16(1, "f16", 1, 2),
    Q4_0(2, "q4_0", 32, 2 + 32 / 2),                                            // d, qs
    Q4_1(3, "q4_1", 32, 2 + 2 + 32 / 2),                                        // d, m, qs
    Q5_0(6, "q5_0", 32, 2 + 4 + 32 / 2),                                        // d, qh, qs
    Q5_1(7, "q5_1", 32, 2 + 2 + 4 + 32 / 2),                                    // d, m, qh, qs
    Q8_0(8, "q8_0", 32, 2 + 32),                                                // d, qs
    Q8_1(9, "q8_1", 32, 2 + 2 + 32),                                            // d, s, qs
    Q2_K(10, "q2_K", QK_K, QK_K / 16 + QK_K / 4 + 2 + 2),                       // scales, qs, d, dmin
    Q3_K(11, "q3_K", QK_K, QK_K / 8 + QK_K / 4 + 12 + 2),                       // hmask, qs, scales, d
    Q4_K(12, "q4_K", QK_K, 2 + 2 + 12 + QK_K / 2),                              // d, dmin, scales, qs
    Q5_K(13, "q5_K", QK_K, 2 + 2 + 12 + QK_K / 8 + QK_K / 2),                   // d, dmin, scales, qh, qs
    Q6_K(14, "q6_K", QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2),                // ql, qh, scales, d
    Q8_K(15, "q8_K", QK_K, 4 + QK_K + 2 * (QK_K / 16)),                         // d (float), qs, bsums
    IQ2_XXS(16, "iq2_xxs", QK_K, 2 + 2 * (QK_K / 8)),                           // d, qs (uint16)
    IQ2_XS(17, "iq2_xs", QK_K, 2 + 2 * (QK_K / 8) + QK_K / 32),                 // d, qs (uint16), scales
    IQ3_XXS(18, "iq3_xxs", QK_K, 2 + 3 * QK_K / 8),                             // d, qs
    IQ1_S(19, "iq1_s", QK_K, 2 + QK_K / 8 + 2 * (QK_K / 32)),                   // d, qs, qh (uint16)
    IQ4_NL(20, "iq4_nl", 32, 2 + 32 / 2),                                       // d, qs
    IQ3_S(21, "iq3_s", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64),  // d, qs, qh, signs, scales
    IQ2_S(22, "iq2_s", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 32),             // d, qs, qh, scales
    IQ4_XS(23, "iq4_xs", QK_K, 2 + 2 + QK_K / 64 + QK_K / 2),                   // d, scales_h, scales_l, qs
    I8(24, "i8", 1, 1),
    I16(25, "i16", 1, 2),
    I32(26, "i32", 1, 4),
    I64(27, "i64", 1, 8),
    F64(28, "f64", 1, 8),
    IQ1_M(29, "iq1_m", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32),                 // qs, qh, scales
    BF16(30, "bf16", 1, 2),
    TQ1_0(34, "tq1_0", QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + 2),       // qs, qh, d
    TQ2_0(35, "tq2_0", QK_K, QK_K / 4 + 2),                                     // qs, d
    MXFP4(39, "mxfp4", 32, 1 + 32 / 2),                                         // e, qs
    NVFP4(40, "nvfp4", 64, 64 / 16 + 64 / 2),                                   // d (one per 16 values), qs
    Q1_0(41, "q1_0", 128, 2 + 128 / 8),                                         // d, qs
    Q2_0(42, "q2_0", 64, 2 + 64 / 4);                                           // d, qs

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final String ggmlName;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, String ggmlName, int blockSize, int typeSize) {
        this.id = id;
        this.ggmlName = ggmlName;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    public int id() {
        return id;
    }

    /** The name as {@code ggml_type_name()} prints it, e.g. {@code q4_K}. */
    public String ggmlName() {
        return ggmlName;
    }

    public int blockSize() {
        return blockSize;
    }

    public int typeSize() {
        return typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Floating-point types a quantizer accepts as its source. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Bytes of one row of {@code rowLength} values; the row length must be a multiple of the block size. */
    public long rowSize(long rowLength) {
        if (rowLength % blockSize != 0) {
            throw new IllegalArgumentException(
                    "row length " + rowLength + " is not a multiple of " + this + "'s block size " + blockSize);
        }
        return rowLength / blockSize * typeSize;
    }

    /** Bytes of {@code elements} values laid out in whole rows of {@code rowLength}. */
    public long byteSize(long elements, long rowLength) {
        return rowSize(rowLength) * (elements / rowLength);
    }

    public double bitsPerWeight() {
        return typeSize * 8.0 / blockSize;
    }

    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /** Accepts the enum name or ggml's spelling, case-insensitively ({@code Q4_K}, {@code q4_k}, {@code q4_K}). */
    public static Optional<GgmlType> byName(String name) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.name().equals(upper)).findFirst();
    }
}
