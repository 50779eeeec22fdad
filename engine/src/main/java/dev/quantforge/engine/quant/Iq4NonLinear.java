package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

import java.util.Arrays;

/**
 * The scale search IQ4_NL and IQ4_XS share: ggml's {@code quantize_row_iq4_nl_impl} as
 * {@code quantize_iq4_nl} / {@code quantize_iq4_xs} call it (ntry = 7, with or without importance
 * weights), for one 32-value block at a time.
 */
final class Iq4NonLinear {
    /** ggml's {@code kvalues_iq4nl}: the 16 non-linear levels a 4-bit code stands for. */
    static final byte[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static final int BLOCK = GgmlType.IQ4_NL.blockSize();

    private static final int TRIES = 7;
    /** The initial guess plus trial scales -TRIES..TRIES. */
    private static final int TRIALS = 2 * TRIES + 2;
    private static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * The nearest level's index by floor(2x) + 256, for 2x clamped to [-256, 255]. Level i wins over
     * level i-1 once 2x reaches their (integer) sum, which is what {@code best_index_int8}'s comparison of
     * the two distances decides: near a midpoint both distances are exact in float.
     */
    private static final byte[] INDEX_BY_FLOOR_2X = new byte[512];
    private static final float[] LEVEL_BY_FLOOR_2X = new float[512];

    static {
        for (int f = -256; f < 256; f++) {
            int index = 0;
            while (index < 15 && f >= LEVELS[index] + LEVELS[index + 1]) {
                index++;
            }
            INDEX_BY_FLOOR_2X[f + 256] = (byte) index;
            LEVEL_BY_FLOOR_2X[f + 256] = LEVELS[index];
        }
    }

    /** Working arrays of one {@code quantize} call; never shared between threads. */
    static final class Scratch {
        private final float[] weight = new float[BLOCK];
        private final float[] inverseScales = new float[TRIALS];
        private final float[] sumqx = new float[TRIALS];
        private final float[] sumq2 = new float[TRIALS];
    }

    private Iq4NonLinear() {
    }

    /** Twice the mean square of a super-block: the weighting floor for importance weights. */
    static float sigma2(float[] x, int offset, int superBlockSize) {
        float sum = 0;
        for (int j = 0; j < superBlockSize; j++) {
            sum += x[offset + j] * x[offset + j];
        }
        return sum * (2.f / superBlockSize);
    }

    /**
     * Fills the scratch weights for the block at {@code x[offset]}: importance times sqrt(sigma2 + x²),
     * or x² without importance.
     */
    static void weights(float[] x, int offset, float[] importance, int importanceOffset, float sigma2, Scratch scratch) {
        float[] weight = scratch.weight;
        if (importance != null) {
            for (int j = 0; j < BLOCK; j++) {
                float v = x[offset + j];
                weight[j] = importance[importanceOffset + j] * (float) Math.sqrt(sigma2 + v * v);
            }
        } else {
            for (int j = 0; j < BLOCK; j++) {
                float v = x[offset + j];
                weight[j] = v * v;
            }
        }
    }

    /**
     * The block's scale: the best of 15 trial scales by weighted least squares; 0 for an all-zero block.
     * The trials' sums are accumulated side by side (each in ggml's order) and compared in ggml's order.
     */
    static float bestScale(float[] x, int offset, Scratch scratch) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < BLOCK; j++) {
            float ax = Math.abs(x[offset + j]);
            if (ax > amax) {
                amax = ax;
                max = x[offset + j];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            return 0;
        }
        float[] id = scratch.inverseScales;
        float[] sumqx = scratch.sumqx;
        float[] sumq2 = scratch.sumq2;
        float[] weight = scratch.weight;
        id[0] = 1 / (-max / LEVELS[0]);
        for (int t = 1; t < TRIALS; t++) {
            id[t] = (t - 1 - TRIES + LEVELS[0]) / max;
        }
        Arrays.fill(sumqx, 0);
        Arrays.fill(sumq2, 0);
        for (int j = 0; j < BLOCK; j++) {
            float v = x[offset + j];
            float w = weight[j];
            for (int t = 0; t < TRIALS; t++) {
                float q = nearestLevel(id[t] * v);
                sumqx[t] += w * q * v;
                sumq2[t] += w * q * q;
            }
        }
        float d = sumq2[0] > 0 ? sumqx[0] / sumq2[0] : 0.f;
        float best = d * sumqx[0];
        for (int t = 1; t < TRIALS; t++) {
            if (sumq2[t] > 0 && sumqx[t] * sumqx[t] > best * sumq2[t]) {
                d = sumqx[t] / sumq2[t];
                best = d * sumqx[t];
            }
        }
        return d;
    }

    /** Codes for one block at inverse scale {@code id}, packed as ggml does: low nibbles first half, high second. */
    static void pack(float[] x, int offset, float id, byte[] dst, int dstOffset) {
        for (int j = 0; j < BLOCK / 2; j++) {
            int lo = bestIndex(id * x[offset + j]);
            int hi = bestIndex(id * x[offset + BLOCK / 2 + j]);
            dst[dstOffset + j] = (byte) (lo | hi << 4);
        }
    }

    /** ggml's {@code best_index_int8} over {@link #LEVELS}: the nearest level, the upper one on a tie. */
    static int bestIndex(float x) {
        return INDEX_BY_FLOOR_2X[floor2x(x)];
    }

    private static float nearestLevel(float x) {
        return LEVEL_BY_FLOOR_2X[floor2x(x)];
    }

    /** floor(2x) + 256 with 2x clamped to [-256, 255]; NaN lands on the top level, as in ggml's search. */
    private static int floor2x(float x) {
        float x2 = x + x;
        float clamped = x2 < 255f ? (x2 > -256f ? x2 : -256f) : 255f;
        return (int) Math.floor(clamped) + 256;
    }

    /** Decodes one block of 16 packed bytes at scale {@code d}. */
    static void unpack(byte[] src, int srcOffset, float d, float[] dst, int dstOffset) {
        for (int j = 0; j < BLOCK / 2; j++) {
            int q = src[srcOffset + j] & 0xFF;
            dst[dstOffset + j] = d * LEVELS[q & 0xF];
            dst[dstOffset + BLOCK / 2 + j] = d * LEVELS[q >> 4];
        }
    }
}
