package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * The importance weighting shared by ggml's {@code quantize_row_q4_0_impl} and its Q4_1, Q5_0, Q5_1
 * siblings: each column's weight is scaled by how large its value is against the row's mean square.
 */
final class LegacyImportance {
    private LegacyImportance() {
    }

    /** Quantizes one block with its weights. */
    @FunctionalInterface
    interface WeightedBlock {
        /**
         * @param src    index of the block's first value in the source array
         * @param weight the block's weights, {@code qw[j] * sqrtf(sigma2 + x[j]*x[j])}
         * @param dst    index of the block's first byte in the destination array
         */
        void quantize(int src, float[] weight, int dst);
    }

    /** {@link BlockRows}' walk, handing every block its weights. */
    static void quantize(GgmlType type, float[] src, int srcOffset, int rows, int rowLength, float[] importance,
                         int dstOffset, WeightedBlock block) {
        if (importance.length < rowLength) {
            throw new IllegalArgumentException(
                    "importance has " + importance.length + " weights, the rows have " + rowLength + " columns");
        }
        float[] weight = new float[type.blockSize()];
        float[] sigma2 = new float[1];
        BlockRows.quantize(type, srcOffset, rows, rowLength, dstOffset, (x, column, y) -> {
            if (column == 0) { // a row's first block: every block of the row is weighed against its mean square
                sigma2[0] = meanSquare(src, x, rowLength);
            }
            blockWeights(importance, column, src, x, sigma2[0], weight);
            block.quantize(x, weight, y);
        });
    }

    /** The row's mean square ({@code sigma2}), summed in C's order. */
    private static float meanSquare(float[] x, int offset, int n) {
        float sum = 0;
        for (int j = 0; j < n; j++) {
            float v = x[offset + j];
            sum += v * v;
        }
        return sum / n;
    }

    /** {@code weight[j] = qw[j] * sqrtf(sigma2 + x[j]*x[j])} for one block of {@code weight.length} values. */
    private static void blockWeights(float[] importance, int importanceOffset, float[] x, int xOffset, float sigma2,
                                     float[] weight) {
        for (int j = 0; j < weight.length; j++) {
            float v = x[xOffset + j];
            weight[j] = importance[importanceOffset + j] * (float) Math.sqrt(sigma2 + v * v);
        }
    }
}
