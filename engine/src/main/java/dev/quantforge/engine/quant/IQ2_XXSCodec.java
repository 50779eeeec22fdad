package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import java.util.Arrays;

import static dev.quantforge.engine.quant.IQMath.clamp;
import static dev.quantforge.engine.quant.IQMath.max;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;
import static dev.quantforge.engine.quant.IQMath.sqrtf;

/**
 * IQ2_XXS, 2.06 bits per weight: per 256 values an fp16 scale; per 32 values 4 indexes into a 256-point
 * lattice of 8 magnitudes each, 4 × 7 sign bits (even count of negatives) and a 4-bit sub-scale. ggml's
 * {@code quantize_row_iq2_xxs_impl} and {@code dequantize_row_iq2_xxs}. ggml quantizes to it only with
 * importance weights.
 */
final class IQ2_XXSCodec implements Quantizer {
    private static final int QK = GgmlType.IQ2_XXS.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ2_XXS.typeSize();
    private static final int MAX_LEVELS = 3;
    private static final GroupScaleSearch SEARCH = new GroupScaleSearch("IQ2_XXS", 6, 0.1f, GroupScaleSearch.Refit.ALL_POINTS, true);
    private static final float GROUP_MAX_EPS = 1e-15f;

    @Override
    public GgmlType type() {
        return GgmlType.IQ2_XXS;
    }

    @Override
    public boolean requiresImportance() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            throw new InvalidInputException("IQ2_XXS needs an importance matrix: ggml does not quantize to it without one");
        }
        GridSearch grid = IQGrids.iq2xxs();
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(grid, src, x, importance, column, dst, y, s));
    }

    private static final class Scratch {
        final float[] scales = new float[QK / 32];
        final float[] weight = new float[32];
        final float[] xval = new float[32];
        final float[] waux = new float[32];
        final byte[] levels = new byte[32];
        final byte[] levelsAux = new byte[32];
        final boolean[] onGrid = new boolean[4];
        final boolean[] onGridAux = new boolean[4];
        final int[] blockSigns = new int[4];
        final int[] q2 = new int[2 * (QK / 32)];
    }

    private static void quantizeBlock(GridSearch grid, float[] x, int xbl, float[] importance, int qwBase,
                                      byte[] y, int out, Scratch s) {
        float[] weight = s.weight;
        float[] xval = s.xval;
        float[] waux = s.waux;
        byte[] levels = s.levels;
        byte[] levelsAux = s.levelsAux;
        int[] q2 = s.q2;
        Arrays.fill(y, out, out + BLOCK_BYTES, (byte) 0);
        Arrays.fill(q2, 0);

        float maxScale = 0;
        float sumx2 = 0;
        for (int i = 0; i < QK; i++) {
            sumx2 += x[xbl + i] * x[xbl + i];
        }
        float sigma2 = sumx2 / QK;

        for (int ib = 0; ib < QK / 32; ib++) {
            int xb = xbl + 32 * ib;
            int qw = qwBase + 32 * ib;
            for (int i = 0; i < 32; i++) {
                weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
            }
            for (int i = 0; i < 32; i++) {
                waux[i] = sqrtf(weight[i]);
            }
            for (int k = 0; k < 4; k++) {
                s.blockSigns[k] = IQMath.evenParitySigns(x, xb + 8 * k, weight, 8 * k, xval, 8 * k);
            }
            float max = xval[0];
            for (int i = 1; i < 32; i++) {
                max = max(max, xval[i]);
            }
            if (max < GROUP_MAX_EPS) {
                s.scales[ib] = 0;
                Arrays.fill(levels, (byte) 0);
                continue;
            }
            float scale = KQuantMath.makeQpQuants(32, MAX_LEVELS + 1, xval, levels, weight);
            float effMax = scale * MAX_LEVELS;
            if (effMax <= 0) {
                s.scales[ib] = 0;
                Arrays.fill(levels, (byte) 0);
                continue;
            }
            scale = SEARCH.fit(grid, xval, weight, waux, 32, effMax, scale,
                    levels, levelsAux, s.onGrid, s.onGridAux);
            if (scale < 0) {
                // ggml's guard, never expected: keep the scale positive by flipping the signs
                scale = -scale;
                for (int k = 0; k < 4; k++) {
                    s.blockSigns[k] = ~s.blockSigns[k] & 127;
                }
            }
            for (int k = 0; k < 4; k++) {
                int point = grid.indexOf(grid.pack(levels, 8 * k));
                if (point < 0) {
                    throw new IllegalStateException("IQ2_XXS: levels off the grid");
                }
                q2[2 * ib] |= point << (8 * k);
                q2[2 * ib + 1] |= s.blockSigns[k] << (7 * k);
            }
            s.scales[ib] = scale;
            maxScale = max(maxScale, scale);
        }

        if (maxScale == 0) {
            return;
        }
        float d = maxScale / 31;
        LittleEndian.putHalf(y, out, d);
        float id = 1 / d;
        for (int ib = 0; ib < QK / 32; ib++) {
            int l = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 15);
            q2[2 * ib + 1] |= l << 28;
        }
        for (int i = 0; i < q2.length; i++) {
            LittleEndian.putInt(y, out + 2 + 4 * i, q2[i]);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ2XXS;
        byte[] ksigns = IQGrids.KSIGNS;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, block);
            for (int ib32 = 0; ib32 < QK / 32; ib32++) {
                int indexes = block + 2 + 8 * ib32;
                int aux1 = LittleEndian.getInt(src, indexes + 4);
                float db = d * (0.5f + (aux1 >>> 28)) * 0.25f;
                for (int l = 0; l < 4; l++) {
                    int point = (src[indexes + l] & 0xFF) * 8;
                    int signs = ksigns[(aux1 >>> (7 * l)) & 127];
                    for (int j = 0; j < 8; j++) {
                        float v = db * (grid[point + j] & 0xFF);
                        dst[y + j] = (signs & (1 << j)) != 0 ? -v : v;
                    }
                    y += 8;
                }
            }
        }
    }
}
