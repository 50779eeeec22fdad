package dev.quantforge.engine.quant;

/**
 * The FP4 (E2M1) element grid MXFP4 and NVFP4 share. ggml stores it doubled as integers
 * ({@code kvalues_mxfp4}) and halves the block scale instead, so every level is exact.
 */
final class E2m1 {
    /** ggml's {@code kvalues_mxfp4}: twice the E2M1 value of each 4-bit code (code 8 is -0). */
    static final byte[] LEVELS = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private E2m1() {
    }

    /** ggml's {@code best_index_mxfp4}: the code nearest {@code x} at scale {@code e}, the first one on a tie. */
    static int bestIndex(float x, float e) {
        int bestIndex = 0;
        float bestErr = Math.abs(LEVELS[0] * e - x);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(LEVELS[i] * e - x);
            if (err < bestErr) {
                bestIndex = i;
                bestErr = err;
            }
        }
        return bestIndex;
    }
}
