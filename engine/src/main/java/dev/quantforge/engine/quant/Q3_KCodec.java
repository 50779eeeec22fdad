package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * ggml's Q3_K: super-blocks of 256 values in sixteen groups of 16, each with a signed 6-bit scale,
 * levels -4..3. Layout (110 bytes): 32 bytes of high bits, 64 bytes of 2-bit low parts, 12 bytes
 * of packed scales, half d.
 */
final class Q3_KCodec implements Quantizer {
    private static final int QK_K = GgmlType.Q3_K.blockSize();
    private static final int GROUP = 16;
    private static final int GROUPS = QK_K / GROUP;
    private static final int BLOCK_BYTES = GgmlType.Q3_K.typeSize();
    private static final int HMASK = 0;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int SCALE_BYTES = 12;
    private static final int D = 108;

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public void expect(long values, boolean weighted) {
        if (weighted) {
            KQuantMath.expectQxGroups(values);
        } else {
            KQuantMath.expectQ3Groups(values);
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst,
                         int dstOffset) {
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset, (x, column, y) -> {
            if (importance == null) {
                quantizeBlock(src, x, dst, y, s);
            } else {
                quantizeBlockWeighted(src, x, importance, column, dst, y, s);
            }
        });
    }

    /** ggml's quantize_row_q3_K_ref for one super-block. */
    private static void quantizeBlock(float[] x, int xo, byte[] y, int yo, Scratch s) {
        boolean inLanes = KQuantMath.makeQ3QuantsGroups(GROUPS, GROUP, 4, x, xo, s.levels, s.laneLevels, s.scales,
                s.work);
        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < GROUPS; j++) {
            float scale = s.scales[j];
            float abs = Math.abs(scale);
            if (abs > amax) {
                amax = abs;
                maxScale = scale;
            }
        }
        clearScales(y, yo);
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < GROUPS; j++) {
                int l = (byte) nearestInt(iscale * s.scales[j]); // ggml keeps it in an int8_t
                putScale(y, yo, j, Math.max(-32, Math.min(31, l)) + 32);
            }
            LittleEndian.putShort(y, yo + D, Fp16.fromFloat(1 / iscale));
        } else {
            LittleEndian.putShort(y, yo + D, Fp16.fromFloat(0.f));
        }
        finishBlock(x, xo, y, yo, s.levels, inLanes ? s.laneLevels : null, s.groupScales);
    }

    /** ggml's quantize_row_q3_K_impl for one super-block, with importance weights. */
    private static void quantizeBlockWeighted(float[] x, int xo, float[] importance, int qo, byte[] y, int yo,
                                              Scratch s) {
        float sigma2 = 2 * KQuantMath.sumOfSquares(x, xo, QK_K) / QK_K;
        KQuantMath.importanceWeights(x, xo, importance, qo, sigma2, GROUPS, GROUP, s.valueWeights, s.weightSums);
        KQuantMath.makeQxQuantsGroups(GROUPS, GROUP, 4, x, xo, s.valueWeights, 0, s.levels, 0, s.scales, s.work);
        clearScales(y, yo);
        float dBlock = QuantMath.makeQxQuants(GROUPS, 32, s.scales, 0, s.scaleLevels, 0, 1, s.weightSums, 0);
        for (int j = 0; j < GROUPS; j++) {
            putScale(y, yo, j, s.scaleLevels[j]);
        }
        LittleEndian.putShort(y, yo + D, Fp16.fromFloat(dBlock));
        finishBlock(x, xo, y, yo, s.levels, null, s.groupScales);
    }

    private static void clearScales(byte[] y, int yo) {
        for (int k = 0; k < SCALE_BYTES; k++) {
            y[yo + SCALES + k] = 0;
        }
    }

    /** Packs group {@code j}'s 6-bit scale (offset by 32): low nibbles in bytes 0..7, high pairs in 8..11. */
    private static void putScale(byte[] y, int yo, int j, int l) {
        int scales = yo + SCALES;
        if (j < 8) {
            y[scales + j] = (byte) (l & 0xF);
        } else {
            y[scales + j - 8] |= (byte) ((l & 0xF) << 4);
        }
        y[scales + 8 + j % 4] |= (byte) ((l >> 4) << (2 * (j / 4)));
    }

    /** Group {@code j}'s signed scale, -32..31. */
    private static int scale(byte[] y, int scales, int j) {
        int low = j < 8 ? y[scales + j] & 0xF : (y[scales + j - 8] & 0xFF) >> 4;
        int high = ((y[scales + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3;
        return (low | (high << 4)) - 32;
    }

    /**
     * Requantizes every group against its scale as it decodes (groups whose scale decodes to zero
     * keep their search levels, taken from {@code laneLevels} unless that is null), then splits each level
     * into a high bit and a 2-bit low part.
     */
    private static void finishBlock(float[] x, int xo, byte[] y, int yo, byte[] levels, float[] laneLevels,
                                    float[] groupScales) {
        float dAll = LittleEndian.getHalf(y, yo + D);
        for (int j = 0; j < GROUPS; j++) {
            groupScales[j] = dAll * scale(y, yo + SCALES, j);
            if (groupScales[j] == 0 && laneLevels != null) {
                KQuantMath.q3GroupLevels(laneLevels, j, GROUP, 4, levels);
            }
        }
        KQuantMath.symmetricRequantize(x, xo, GROUP, groupScales, 4, levels);
        LevelPacking.thirdBits(levels, y, yo + HMASK);
        LevelPacking.lowPairs(levels, y, yo + QS);
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (int b = srcOffset, end = srcOffset + count / QK_K * BLOCK_BYTES; b < end; b += BLOCK_BYTES) {
            float dAll = LittleEndian.getHalf(src, b + D);
            int q = b + QS;
            int hm = b + HMASK;
            int m = 1;
            int is = 0;
            for (int n = 0; n < QK_K; n += 128) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 32; half += 16) {
                        float dl = dAll * scale(src, b + SCALES, is++);
                        for (int l = 0; l < 16; l++) {
                            int low = ((src[q + half + l] & 0xFF) >> shift) & 3;
                            int level = low - ((src[hm + half + l] & m) != 0 ? 0 : 4);
                            dst[out++] = dl * level;
                        }
                    }
                    m <<= 1;
                }
                q += 32;
            }
        }
    }

    /** Per-call working arrays: quantize() may run on several threads at once. */
    private static final class Scratch {
        final byte[] levels = new byte[QK_K];
        final float[] valueWeights = new float[QK_K];
        final float[] scales = new float[GROUPS];
        final float[] groupScales = new float[GROUPS];
        final float[] weightSums = new float[GROUPS];
        final float[] work = new float[KQuantMath.qkx2WorkSize(GROUP)];
        final float[] laneLevels = new float[KQuantMath.q3LaneLevelsSize(GROUPS, GROUP)];
        final byte[] scaleLevels = new byte[GROUPS];
    }
}
