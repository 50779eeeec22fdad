package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import java.util.Arrays;

import static dev.quantforge.engine.quant.IQMath.clamp;
import static dev.quantforge.engine.quant.IQMath.max;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;
import static dev.quantforge.engine.quant.IQMath.sqrtf;

/**
 * IQ3_XXS, 3.06 bits per weight: per 256 values an fp16 scale; per 32 values 8 indexes into a 256-point
 * lattice of 4 magnitudes each, 4 × 7 sign bits (the eighth is implied: an even count of negatives) and a
 * 4-bit sub-scale. ggml's {@code quantize_row_iq3_xxs_impl(256, ...)} and {@code dequantize_row_iq3_xxs}.
 */
final class IQ3_XXSCodec implements Quantizer {
    private static final int QK = GgmlType.IQ3_XXS.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ3_XXS.typeSize();
    private static final int SIGNS_AT = 2 + 64;
    private static final int MAX_LEVELS = 8;
    private static final GroupScaleSearch SEARCH = new GroupScaleSearch("IQ3_XXS", 15, 0.2f, GroupScaleSearch.Refit.OFF_GRID_POINTS, true);
    private static final float GROUP_MAX_EPS = 1e-8f;

    @Override
    public GgmlType type() {
        return GgmlType.IQ3_XXS;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        GridSearch grid = IQGrids.iq3xxs();
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
        final boolean[] onGrid = new boolean[8];
        final boolean[] onGridAux = new boolean[8];
        final int[] blockSigns = new int[4];
    }

    private static void quantizeBlock(GridSearch grid, float[] x, int xbl, float[] importance, int qwBase,
                                      byte[] y, int out, Scratch s) {
        float[] weight = s.weight;
        float[] xval = s.xval;
        float[] waux = s.waux;
        byte[] levels = s.levels;
        byte[] levelsAux = s.levelsAux;
        Arrays.fill(y, out, out + BLOCK_BYTES, (byte) 0);

        float maxScale = 0;
        float sumx2 = 0;
        for (int i = 0; i < QK; i++) {
            sumx2 += x[xbl + i] * x[xbl + i];
        }
        float sigma2 = 2 * sumx2 / QK;

        for (int ib = 0; ib < QK / 32; ib++) {
            int xb = xbl + 32 * ib;
            if (importance != null) {
                int qw = qwBase + 32 * ib;
                for (int i = 0; i < 32; i++) {
                    weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
                }
            } else {
                for (int i = 0; i < 32; i++) {
                    weight[i] = x[xb + i] * x[xb + i];
                }
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
            Arrays.fill(levels, (byte) 0);
            if (max < GROUP_MAX_EPS) {
                s.scales[ib] = 0;
                continue;
            }
            float scale = SEARCH.fit(grid, xval, weight, waux, 32, max, max / (2 * MAX_LEVELS - 1),
                    levels, levelsAux, s.onGrid, s.onGridAux);
            if (scale < 0) {
                // ggml's guard, never expected: keep the scale positive by flipping the signs
                scale = -scale;
                for (int k = 0; k < 4; k++) {
                    s.blockSigns[k] = ~s.blockSigns[k] & 127;
                }
            }
            for (int k = 0; k < 8; k++) {
                int point = grid.indexOf(grid.pack(levels, 4 * k));
                if (point < 0) {
                    throw new IllegalStateException("IQ3_XXS: levels off the grid");
                }
                y[out + 2 + 8 * ib + k] = (byte) point;
            }
            int signsAndScale = s.blockSigns[0] | (s.blockSigns[1] << 7) | (s.blockSigns[2] << 14) | (s.blockSigns[3] << 21);
            LittleEndian.putInt(y, out + SIGNS_AT + 4 * ib, signsAndScale);
            s.scales[ib] = scale;
            maxScale = max(maxScale, scale);
        }

        if (maxScale == 0) {
            Arrays.fill(y, out, out + BLOCK_BYTES, (byte) 0);
            return;
        }
        float d = maxScale / 31;
        LittleEndian.putHalf(y, out, d * 1.0125f);
        float id = 1 / d;
        for (int ib = 0; ib < QK / 32; ib++) {
            int l = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 15);
            int at = out + SIGNS_AT + 4 * ib;
            LittleEndian.putInt(y, at, LittleEndian.getInt(y, at) | (l << 28));
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ3XXS;
        byte[] ksigns = IQGrids.KSIGNS;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, block);
            for (int ib = 0; ib < QK / 32; ib++) {
                int aux = LittleEndian.getInt(src, block + SIGNS_AT + 4 * ib);
                float db = d * (0.5f + (aux >>> 28)) * 0.5f;
                for (int l = 0; l < 4; l++) {
                    int signs = ksigns[(aux >>> (7 * l)) & 127];
                    int grid1 = (src[block + 2 + 8 * ib + 2 * l] & 0xFF) * 4;
                    int grid2 = (src[block + 2 + 8 * ib + 2 * l + 1] & 0xFF) * 4;
                    for (int j = 0; j < 4; j++) {
                        float v1 = db * (grid[grid1 + j] & 0xFF);
                        float v2 = db * (grid[grid2 + j] & 0xFF);
                        dst[y + j] = (signs & (1 << j)) != 0 ? -v1 : v1;
                        dst[y + j + 4] = (signs & (1 << (j + 4))) != 0 ? -v2 : v2;
                    }
                    y += 8;
                }
            }
        }
    }
}
