package dev.quantforge.engine.quant;

/**
 * The importance weighting shared by ggml's {@code quantize_row_q4_0_impl} and its Q4_1, Q5_0, Q5_1
 * siblings: each column's weight is scaled by how large its value is against the row's mean square.
 */
final class LegacyImportance {
    private LegacyImportance() {
    }

    static void requireColumns(float[] importance, int rowLength) {
        if (importance.length < rowLength) {
            throw new IllegalArgumentException(
                    "importance has " + importance.length + " weights, the rows have " + rowLength + " columns");
        }
    }

    /** The row's mean square ({@code sigma2}), summed in C's order. */
    static float meanSquare(float[] x, int offset, int n) {
        float sum = 0;
        for (int j = 0; j < n; j++) {
            float v = x[offset + j];
            sum += v * v;
        }
        return sum / n;
    }

    /** {@code weight[j] = qw[j] * sqrtf(sigma2 + x[j]*x[j])} for one block of {@code weight.length} values. */
    static void blockWeights(float[] importance, int importanceOffset, float[] x, int xOffset, float sigma2,
                             float[] weight) {
        for (int j = 0; j < weight.length; j++) {
            float v = x[xOffset + j];
            weight[j] = importance[importanceOffset + j] * (float) Math.sqrt(sigma2 + v * v);
        }
    }
}
