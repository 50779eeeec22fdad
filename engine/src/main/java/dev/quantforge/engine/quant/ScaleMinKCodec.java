package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * What Q4_K and Q5_K share: super-blocks of 256 values in eight groups of 32, each group with a 6-bit
 * scale and a 6-bit min, behind a half d, a half dmin and 12 bytes of packed scales and mins. The
 * types differ only in their level range, the search's parameters and how levels are packed.
 */
abstract class ScaleMinKCodec implements Quantizer {
    static final int QK_K = GgmlType.Q4_K.blockSize(); // Q5_K's too
    static final int GROUP = 32;
    private static final int GROUPS = QK_K / GROUP;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;

    private final GgmlType type;
    private final int maxLevel;
    private final float plainRmin;
    private final int plainSteps;
    private final boolean clampWeightedScaleLevels;

    /**
     * @param maxLevel                 highest level (15 or 31)
     * @param plainRmin                make_qkx2_quants' rmin without importance weights
     * @param plainSteps               its number of steps
     * @param clampWeightedScaleLevels whether ggml clamps the importance-weighted scale levels to 63
     */
    ScaleMinKCodec(GgmlType type, int maxLevel, float plainRmin, int plainSteps, boolean clampWeightedScaleLevels) {
        this.type = type;
        this.maxLevel = maxLevel;
        this.plainRmin = plainRmin;
        this.plainSteps = plainSteps;
        this.clampWeightedScaleLevels = clampWeightedScaleLevels;
    }

    /** Packs the super-block's 256 levels into {@code y} from the block's start {@code yo}. */
    abstract void packLevels(byte[] levels, byte[] y, int yo);

    /** The level of value {@code index} (0..255) of the super-block starting at {@code block}. */
    abstract int level(byte[] src, int block, int index);

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public final void expect(long values, boolean weighted) {
        KQuantMath.expectQkx2Groups(values);
    }

    @Override
    public final void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst,
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

    /** ggml's quantize_row_q{4,5}_K_ref for one super-block. */
    private void quantizeBlock(float[] x, int xo, byte[] y, int yo, Scratch s) {
        KQuantMath.groupMagnitudeWeights(x, xo, GROUPS, GROUP, s.valueWeights);
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, maxLevel, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, plainRmin, 0.1f, plainSteps, false);
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
        finishBlock(x, xo, y, yo, maxScale / 63.f, maxMin / 63.f, s.levels, s.groupScales, s.groupMins);
    }

    /** ggml's quantize_row_q{4,5}_K_impl for one super-block, with importance weights. */
    private void quantizeBlockWeighted(float[] x, int xo, float[] importance, int qo, byte[] y, int yo, Scratch s) {
        float sigma2 = 2 * KQuantMath.sumOfSquares(x, xo, QK_K) / QK_K;
        KQuantMath.importanceWeights(x, xo, importance, qo, sigma2, GROUPS, GROUP, s.valueWeights, s.weightSums);
        // ggml calls make_qkx3_quants here, which with weights given is make_qkx2_quants
        KQuantMath.makeQkx2QuantsGroups(GROUPS, GROUP, maxLevel, x, xo, s.valueWeights, s.levels, s.scales, s.mins,
                s.levelsAux, s.work, -0.9f, 0.05f, 36, false);
        float dBlock = KQuantMath.makeQpQuants(GROUPS, 63, s.scales, s.scaleLevels, s.weightSums);
        float mBlock = KQuantMath.makeQpQuants(GROUPS, 63, s.mins, s.minLevels, s.weightSums);
        int cap = clampWeightedScaleLevels ? 63 : 255; // a wrapped negative level stays as it is where ggml does not clamp
        for (int j = 0; j < GROUPS; j++) {
            KQuantMath.putScaleMinK4(y, yo + SCALES, j, Math.min(cap, s.scaleLevels[j] & 0xFF),
                    Math.min(cap, s.minLevels[j] & 0xFF));
        }
        finishBlock(x, xo, y, yo, dBlock, mBlock, s.levels, s.groupScales, s.groupMins);
    }

    /**
     * Stores the super-block scales, then requantizes every group against the scales as they decode
     * (groups whose scale decodes to zero keep their search levels) and packs the levels.
     */
    private void finishBlock(float[] x, int xo, byte[] y, int yo, float d, float dmin, byte[] levels,
                             float[] groupScales, float[] groupMins) {
        short dHalf = Fp16.fromFloat(d);
        short dminHalf = Fp16.fromFloat(dmin);
        LittleEndian.putShort(y, yo + D, dHalf);
        LittleEndian.putShort(y, yo + DMIN, dminHalf);
        float dAll = Fp16.toFloat(dHalf);
        float minAll = Fp16.toFloat(dminHalf);
        for (int j = 0; j < GROUPS; j++) {
            groupScales[j] = dAll * KQuantMath.scaleK4(y, yo + SCALES, j);
            groupMins[j] = minAll * KQuantMath.minK4(y, yo + SCALES, j);
        }
        KQuantMath.offsetRequantize(x, xo, GROUP, groupScales, groupMins, maxLevel, levels);
        packLevels(levels, y, yo);
    }

    @Override
    public final void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int blockBytes = type.typeSize();
        int out = dstOffset;
        for (int b = srcOffset, end = srcOffset + count / QK_K * blockBytes; b < end; b += blockBytes) {
            float d = LittleEndian.getHalf(src, b + D);
            float min = LittleEndian.getHalf(src, b + DMIN);
            for (int j = 0; j < GROUPS; j++) {
                float dj = d * KQuantMath.scaleK4(src, b + SCALES, j);
                float mj = min * KQuantMath.minK4(src, b + SCALES, j);
                for (int l = 0; l < GROUP; l++) {
                    dst[out + l] = dj * level(src, b, GROUP * j + l) - mj;
                }
                out += GROUP;
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
