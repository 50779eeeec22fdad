package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * ggml's Q2_K: super-blocks of 256 values in sixteen groups of 16, each with a 4-bit scale and a
 * 4-bit min, levels 0..3. Layout (84 bytes): 16 scale/min bytes (scale in the low nibble), 64 bytes
 * of 2-bit levels, half d, half dmin.
 */
final class Q2_KCodec implements Quantizer {
    private static final int QK_K = GgmlType.Q2_K.blockSize();
    private static final int GROUP = 16;
    private static final int GROUPS = QK_K / GROUP;
    private static final int BLOCK_BYTES = GgmlType.Q2_K.typeSize();
    private static final int SCALES = 0;
    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;
    private static final float Q4SCALE = 15.f;

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void expect(long values, boolean weighted) {
        KQuantMath.expectQkx2Groups(values);
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

    /** ggml's quantize_row_q2_K_ref for one super-block. */
    private static void quantizeBlock(float[] x, int xo, byte[] y, int yo, Scratch s) {
        for (int l = 0; l < QK_K; l++) {
            s.valueWeights[l] = Math.abs(x[xo + l]);
        }
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, 3, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, -0.5f, 0.1f, 15, true);
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
        if (maxScale > 0) {
            float iscale = Q4SCALE / maxScale;
            for (int j = 0; j < GROUPS; j++) {
                y[yo + SCALES + j] = (byte) nearestInt(iscale * s.scales[j]);
            }
            LittleEndian.putShort(y, yo + D, Fp16.fromFloat(maxScale / Q4SCALE));
        } else {
            for (int j = 0; j < GROUPS; j++) {
                y[yo + SCALES + j] = 0;
            }
            LittleEndian.putShort(y, yo + D, Fp16.fromFloat(0.f));
        }
        if (maxMin > 0) {
            float iscale = Q4SCALE / maxMin;
            for (int j = 0; j < GROUPS; j++) {
                y[yo + SCALES + j] |= (byte) (nearestInt(iscale * s.mins[j]) << 4);
            }
            LittleEndian.putShort(y, yo + DMIN, Fp16.fromFloat(maxMin / Q4SCALE));
        } else {
            LittleEndian.putShort(y, yo + DMIN, Fp16.fromFloat(0.f));
        }
        finishBlock(x, xo, y, yo, s.levels, s.groupScales, s.groupMins);
    }

    /** ggml's quantize_row_q2_K_impl for one super-block, with importance weights. */
    private static void quantizeBlockWeighted(float[] x, int xo, float[] importance, int qo, byte[] y, int yo,
                                              Scratch s) {
        float sigma2 = KQuantMath.sumOfSquares(x, xo, QK_K) / QK_K;
        KQuantMath.importanceWeights(x, xo, importance, qo, sigma2, GROUPS, GROUP, s.valueWeights, s.weightSums);
        // ggml calls make_qkx3_quants here, which with weights given is make_qkx2_quants
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, 3, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, -0.9f, 0.05f, 36, false);
        float dm = KQuantMath.makeQpQuants(GROUPS, 15, s.scales, s.scaleLevels, s.weightSums);
        float mm = KQuantMath.makeQpQuants(GROUPS, 15, s.mins, s.minLevels, s.weightSums);
        LittleEndian.putShort(y, yo + D, Fp16.fromFloat(dm));
        LittleEndian.putShort(y, yo + DMIN, Fp16.fromFloat(mm));
        for (int j = 0; j < GROUPS; j++) {
            y[yo + SCALES + j] = (byte) ((s.scaleLevels[j] & 0xFF) | ((s.minLevels[j] & 0xFF) << 4));
        }
        finishBlock(x, xo, y, yo, s.levels, s.groupScales, s.groupMins);
    }

    /**
     * Requantizes every group against its scale and min as they decode (groups whose scale decodes
     * to zero keep their search levels) and packs four levels per byte.
     */
    private static void finishBlock(float[] x, int xo, byte[] y, int yo, byte[] levels, float[] groupScales,
                                    float[] groupMins) {
        float dAll = LittleEndian.getHalf(y, yo + D);
        float minAll = LittleEndian.getHalf(y, yo + DMIN);
        for (int j = 0; j < GROUPS; j++) {
            int sc = y[yo + SCALES + j] & 0xFF;
            groupScales[j] = dAll * (sc & 0xF);
            groupMins[j] = minAll * (sc >> 4);
        }
        KQuantMath.offsetRequantize(x, xo, GROUP, groupScales, groupMins, 3, levels);
        LevelPacking.lowPairs(levels, y, yo + QS);
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (int b = srcOffset, end = srcOffset + count / QK_K * BLOCK_BYTES; b < end; b += BLOCK_BYTES) {
            float d = LittleEndian.getHalf(src, b + D);
            float min = LittleEndian.getHalf(src, b + DMIN);
            int q = b + QS;
            int is = 0;
            for (int n = 0; n < QK_K; n += 128) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 32; half += 16) {
                        int sc = src[b + SCALES + is++] & 0xFF;
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[out++] = dl * (((src[q + half + l] & 0xFF) >> shift) & 3) - ml;
                        }
                    }
                }
                q += 32;
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
        final float[] groupScales = new float[GROUPS];
        final float[] groupMins = new float[GROUPS];
    }
}
