package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * ggml's Q5_K: super-blocks of 256 values in eight groups of 32, each with a 6-bit scale and a
 * 6-bit min, levels 0..31. Layout (176 bytes): half d, half dmin, 12 bytes of packed scales and
 * mins, 32 bytes of fifth bits, 128 bytes of low nibbles.
 */
final class Q5_KCodec implements Quantizer {
    private static final int QK_K = 256;
    private static final int GROUP = 32;
    private static final int GROUPS = QK_K / GROUP;
    private static final int BLOCK_BYTES = 176;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst,
                         int dstOffset) {
        int blocksPerRow = (int) (type().rowSize(rowLength) / BLOCK_BYTES);
        Scratch s = new Scratch();
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < blocksPerRow; i++) {
                int x = srcOffset + row * rowLength + i * QK_K;
                int y = dstOffset + (row * blocksPerRow + i) * BLOCK_BYTES;
                if (importance == null) {
                    quantizeBlock(src, x, dst, y, s);
                } else {
                    quantizeBlockWeighted(src, x, importance, i * QK_K, dst, y, s);
                }
            }
        }
    }

    /** ggml's quantize_row_q5_K_ref for one super-block. */
    private static void quantizeBlock(float[] x, int xo, byte[] y, int yo, Scratch s) {
        KQuantMath.groupMagnitudeWeights(x, xo, GROUPS, GROUP, s.valueWeights);
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, 31, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, -0.5f, 0.1f, 15, false);
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < GROUPS; j++) {
            if (s.scales[j] > maxScale) {
                maxScale = s.scales[j];
            }
            if (s.mins[j] > maxMin) {
                maxMin = s.mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < GROUPS; j++) {
            // ggml stores the rounded value in a uint8_t before clamping it
            int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xFF);
            KQuantMath.putScaleMinK4(y, yo + SCALES, j, ls, lm);
        }
        finishBlock(x, xo, y, yo, maxScale / 63.f, maxMin / 63.f, s.levels);
    }

    /** ggml's quantize_row_q5_K_impl for one super-block, with importance weights. */
    private static void quantizeBlockWeighted(float[] x, int xo, float[] importance, int qo, byte[] y, int yo,
                                              Scratch s) {
        float sigma2 = 2 * KQuantMath.sumOfSquares(x, xo, QK_K) / QK_K;
        KQuantMath.importanceWeights(x, xo, importance, qo, sigma2, GROUPS, GROUP, s.valueWeights, s.weightSums);
        // ggml calls make_qkx3_quants here, which with weights given is make_qkx2_quants
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, 31, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, -0.9f, 0.05f, 36, false);
        float dBlock = KQuantMath.makeQpQuants(GROUPS, 63, s.scales, s.scaleLevels, s.weightSums);
        float mBlock = KQuantMath.makeQpQuants(GROUPS, 63, s.mins, s.minLevels, s.weightSums);
        for (int j = 0; j < GROUPS; j++) {
            // unlike Q4_K, ggml clamps the levels here (a wrapped negative level becomes 63)
            KQuantMath.putScaleMinK4(y, yo + SCALES, j, Math.min(63, s.scaleLevels[j] & 0xFF),
                    Math.min(63, s.minLevels[j] & 0xFF));
        }
        finishBlock(x, xo, y, yo, dBlock, mBlock, s.levels);
    }

    /**
     * Stores the super-block scales, then requantizes every group against the scales as they decode
     * (groups whose scale decodes to zero keep their search levels) and packs low nibbles and fifth bits.
     */
    private static void finishBlock(float[] x, int xo, byte[] y, int yo, float d, float dmin, byte[] levels) {
        short dHalf = Fp16.fromFloat(d);
        short dminHalf = Fp16.fromFloat(dmin);
        LittleEndian.putShort(y, yo + D, dHalf);
        LittleEndian.putShort(y, yo + DMIN, dminHalf);
        float dAll = Fp16.toFloat(dHalf);
        float minAll = Fp16.toFloat(dminHalf);
        for (int j = 0; j < GROUPS; j++) {
            float dj = dAll * KQuantMath.scaleK4(y, yo + SCALES, j);
            if (dj == 0) {
                continue;
            }
            float mj = minAll * KQuantMath.minK4(y, yo + SCALES, j);
            int g = xo + GROUP * j;
            for (int ii = 0; ii < GROUP; ii++) {
                int l = nearestInt((x[g + ii] + mj) / dj);
                levels[GROUP * j + ii] = (byte) Math.max(0, Math.min(31, l));
            }
        }
        for (int j = 0; j < 32; j++) {
            y[yo + QH + j] = 0;
        }
        int ql = yo + QS;
        int m1 = 1;
        int m2 = 2;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = levels[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    y[yo + QH + j] |= (byte) m1;
                }
                int l2 = levels[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    y[yo + QH + j] |= (byte) m2;
                }
                y[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (int b = srcOffset, end = srcOffset + count / QK_K * BLOCK_BYTES; b < end; b += BLOCK_BYTES) {
            float d = LittleEndian.getHalf(src, b + D);
            float min = LittleEndian.getHalf(src, b + DMIN);
            int ql = b + QS;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0; j < GROUPS; j += 2) {
                float d1 = d * KQuantMath.scaleK4(src, b + SCALES, j);
                float m1 = min * KQuantMath.minK4(src, b + SCALES, j);
                float d2 = d * KQuantMath.scaleK4(src, b + SCALES, j + 1);
                float m2 = min * KQuantMath.minK4(src, b + SCALES, j + 1);
                for (int l = 0; l < 32; l++) {
                    int high = (src[b + QH + l] & u1) != 0 ? 16 : 0;
                    dst[out + l] = d1 * ((src[ql + l] & 0xF) + high) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int high = (src[b + QH + l] & u2) != 0 ? 16 : 0;
                    dst[out + 32 + l] = d2 * (((src[ql + l] & 0xFF) >> 4) + high) - m2;
                }
                out += 64;
                ql += 32;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    /** Per-call working arrays: quantize() may run on several threads at once. */
    private static final class Scratch {
        final byte[] levels = new byte[QK_K];
        final byte[] levelsAux = new byte[GROUP];
        final float[] scales = new float[GROUPS];
        final float[] mins = new float[GROUPS];
        final float[] valueWeights = new float[QK_K];
        final float[] weightSums = new float[GROUPS];
        final float[] work = new float[KQuantMath.qkx2WorkSize(GROUP)];
        final byte[] scaleLevels = new byte[GROUPS];
        final byte[] minLevels = new byte[GROUPS];
    }
}
