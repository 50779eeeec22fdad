package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * Converts float32 rows to one ggml type and back, byte-identical to ggml's
 * {@code ggml_quantize_chunk} and its {@code dequantize_row_*} functions.
 *
 * <p>Rows are independent: quantizing any split of the rows gives the same bytes, so callers may
 * hand disjoint row ranges to different threads. Implementations hold no mutable state.
 */
public interface Quantizer {

    GgmlType type();

    /** True where ggml refuses to quantize without importance weights (IQ2_XXS, IQ2_XS, IQ1_S). */
    default boolean requiresImportance() {
        return false;
    }

    /**
     * Quantizes {@code rows} rows of {@code rowLength} values, stored row-major from {@code src[srcOffset]},
     * into {@code rows * type().rowSize(rowLength)} bytes at {@code dst[dstOffset]}.
     *
     * @param importance null, or {@code rowLength} per-column weights that apply to every row
     *                   (ggml's {@code quant_weights}); types that take none ignore it
     */
    void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset);

    /**
     * Announces that about {@code values} values are coming for this quantizer in this run, with importance weights
     * or without ({@code weighted}). A quantizer whose fast form has a warm-up to pay may take that form from the
     * start when the run is big enough; the bytes are the same either way.
     */
    default void expect(long values, boolean weighted) {
    }

    /** Decodes {@code count} values (a multiple of the block size) from {@code src[srcOffset]}. */
    void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count);
}
