package dev.quantforge.engine.quant;

/**
 * The scale search IQ4_NL and IQ4_XS share: ggml's {@code quantize_row_iq4_nl_impl} as
 * {@code quantize_iq4_nl} / {@code quantize_iq4_xs} call it (ntry = 7, with or without importance
 * weights), for one 32-value block at a time.
 */
final class Iq4NonLinear {
    /** ggml's {@code kvalues_iq4nl}: the 16 non-linear levels a 4-bit code stands for. */
    static final byte[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static final int BLOCK = 32;

    private static final int TRIES = 7;
    private static final float GROUP_MAX_EPS = 1e-15f;

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
     * Fills {@code weight} for the block at {@code x[offset]}: importance times sqrt(sigma2 + x²), or x²
     * without importance.
     */
    static void weights(float[] x, int offset, float[] importance, int importanceOffset, float sigma2, float[] weight) {
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

    /** The block's scale: the best of 15 trial scales by weighted least squares; 0 for an all-zero block. */
    static float bestScale(float[] x, int offset, float[] weight) {
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
        float d = -max / LEVELS[0];
        float id = 1 / d;
        float sumqx = 0;
        float sumq2 = 0;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[offset + j];
            float q = LEVELS[bestIndex(id * v)];
            float w = weight[j];
            sumqx += w * q * v;
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
        float best = d * sumqx;
        for (int itry = -TRIES; itry <= TRIES; itry++) {
            id = (itry + LEVELS[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[offset + j];
                float q = LEVELS[bestIndex(id * v)];
                float w = weight[j];
                sumqx += w * q * v;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
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
        if (x <= LEVELS[0]) {
            return 0;
        }
        if (x >= LEVELS[15]) {
            return 15;
        }
        int ml = 0;
        int mu = 15;
        while (mu - ml > 1) {
            int mav = (ml + mu) >> 1;
            if (x < LEVELS[mav]) {
                mu = mav;
            } else {
                ml = mav;
            }
        }
        return x - LEVELS[mu - 1] < LEVELS[mu] - x ? mu - 1 : mu;
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
