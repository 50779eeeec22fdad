package dev.quantforge.engine.ggml;

/**
 * The constant of ggml-common.h that several block layouts are written in; in a class of its own so
 * that {@link GgmlType}'s rows can name it (they come before the enum's own fields, and Java refuses a
 * field's simple name before its declaration).
 */
final class GgmlCommon {
    /** ggml's {@code QK_K}: the values of one K-quant, i-quant or ternary super-block. */
    static final int QK_K = 256;

    private GgmlCommon() {
    }
}
