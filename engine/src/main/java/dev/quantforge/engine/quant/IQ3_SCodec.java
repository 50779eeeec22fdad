package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import java.util.Arrays;

import static dev.quantforge.engine.quant.IQMath.clamp;
import static dev.quantforge.engine.quant.IQMath.max;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;
import static dev.quantforge.engine.quant.IQMath.sqrtf;

/**
 * IQ3_S, 3.44 bits per weight: per 256 values an fp16 scale; per 32 values 8 indexes (9 bits) into a
 * 512-point lattice of 4 magnitudes each, 32 sign bits, and a 4-bit sub-scale. ggml's
 * {@code quantize_iq3_s} (block size 32) and {@code dequantize_row_iq3_s}.
 */
final class IQ3_SCodec implements Quantizer {
    private static final int QK = GgmlType.IQ3_S.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ3_S.typeSize();
    private static final int QS_AT = 2;
    private static final int QH_AT = QS_AT + 64;
    private static final int SIGNS_AT = QH_AT + 8;
    private static final int SCALES_AT = SIGNS_AT + 32;
    private static final int GROUP = 32;
    private static final int MAX_LEVELS = 8;
    private static final GroupScaleSearch SEARCH = new GroupScaleSearch("IQ3_S", 9, 0.2f, GroupScaleSearch.Refit.ALL_POINTS_IF_ANY_OFF, false);

    @Override
    public GgmlType type() {
        return GgmlType.IQ3_S;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        GridSearch grid = IQGrids.iq3s();
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(grid, src, x, importance, column, dst, y, s));
    }

    private static final class Scratch {
        final float[] scales = new float[QK / GROUP];
        final float[] weight = new float[GROUP];
        final float[] xval = new float[GROUP];
        final float[] waux = new float[GROUP];
        final byte[] levels = new byte[GROUP];
        final byte[] levelsAux = new byte[GROUP];
        final boolean[] onGrid = new boolean[GROUP / 4];
        final boolean[] onGridAux = new boolean[GROUP / 4];
        final int[] blockSigns = new int[GROUP / 8];
    }

    private static void quantizeBlock(GridSearch grid, float[] x, int xbl, float[] importance, int qwBase,
                                      byte[] y, int out, Scratch s) {
        float[] weight = s.weight;
        float[] xval = s.xval;
        float[] waux = s.waux;
        byte[] levels = s.levels;
        byte[] levelsAux = s.levelsAux;
        Arrays.fill(y, out, out + BLOCK_BYTES, (byte) 0);
        int qs = out + QS_AT;
        int signsOut = out + SIGNS_AT;

        float maxScale = 0;
        float sumx2 = 0;
        for (int i = 0; i < QK; i++) {
            sumx2 += x[xbl + i] * x[xbl + i];
        }
        float sigma2 = 2 * sumx2 / QK;

        for (int ib = 0; ib < QK / GROUP; ib++) {
            int xb = xbl + GROUP * ib;
            if (importance != null) {
                int qw = qwBase + GROUP * ib;
                for (int i = 0; i < GROUP; i++) {
                    weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
                }
            } else {
                for (int i = 0; i < GROUP; i++) {
                    weight[i] = x[xb + i] * x[xb + i];
                }
            }
            for (int i = 0; i < GROUP; i++) {
                waux[i] = sqrtf(weight[i]);
            }
            for (int k = 0; k < GROUP / 8; k++) {
                int signs = 0;
                for (int i = 0; i < 8; i++) {
                    float v = x[xb + 8 * k + i];
                    if (v >= 0) {
                        xval[8 * k + i] = v;
                    } else {
                        xval[8 * k + i] = -v;
                        signs |= 1 << i;
                    }
                }
                s.blockSigns[k] = signs;
            }
            float max = xval[0];
            for (int i = 1; i < GROUP; i++) {
                max = max(max, xval[i]);
            }
            Arrays.fill(levels, (byte) 0);
            if (max == 0) {
                s.scales[ib] = 0;
                continue;
            }
            float scale = SEARCH.fit(grid, xval, weight, waux, GROUP, max, max / (2 * MAX_LEVELS - 1),
                    levels, levelsAux, s.onGrid, s.onGridAux);
            if (scale < 0) {
                // ggml's guard, never expected: keep the scale positive by flipping the signs
                scale = -scale;
                for (int k = 0; k < GROUP / 8; k++) {
                    s.blockSigns[k] = ~s.blockSigns[k] & 0xFF;
                }
            }
            for (int k = 0; k < GROUP / 4; k++) {
                int point = grid.indexOf(grid.pack(levels, 4 * k));
                if (point < 0) {
                    throw new IllegalStateException("IQ3_S: levels off the grid");
                }
                y[qs + k] = (byte) point;
                int slot = ib * (GROUP / 4) + k;
                y[out + QH_AT + slot / 8] |= (byte) ((point >> 8) << (slot % 8));
            }
            qs += GROUP / 4;
            for (int k = 0; k < GROUP / 8; k++) {
                y[signsOut + k] = (byte) s.blockSigns[k];
            }
            signsOut += GROUP / 8;
            s.scales[ib] = scale;
            maxScale = max(maxScale, scale);
        }

        if (maxScale == 0) {
            return;
        }
        float d = maxScale / 31;
        LittleEndian.putHalf(y, out, d * 1.033f);
        float id = 1 / d;
        for (int ib = 0; ib < QK / GROUP; ib += 2) {
            int l1 = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 15);
            int l2 = clamp(nearestInt(0.5f * (id * s.scales[ib + 1] - 1)), 0, 15);
            y[out + SCALES_AT + ib / 2] = (byte) (l1 | (l2 << 4));
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ3S;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, block);
            int qs = block + QS_AT;
            int qh = block + QH_AT;
            int signs = block + SIGNS_AT;
            for (int ib32 = 0; ib32 < QK / 32; ib32 += 2) {
                int scales = src[block + SCALES_AT + ib32 / 2] & 0xFF;
                float db1 = d * (1 + 2 * (scales & 0xf));
                float db2 = d * (1 + 2 * (scales >> 4));
                for (int half = 0; half < 2; half++) {
                    float db = half == 0 ? db1 : db2;
                    int high = src[qh + half] & 0xFF;
                    for (int l = 0; l < 4; l++) {
                        int grid1 = ((src[qs + 2 * l] & 0xFF) | ((high << (8 - 2 * l)) & 256)) * 4;
                        int grid2 = ((src[qs + 2 * l + 1] & 0xFF) | ((high << (7 - 2 * l)) & 256)) * 4;
                        int sign = src[signs + l] & 0xFF;
                        for (int j = 0; j < 4; j++) {
                            float v1 = db * (grid[grid1 + j] & 0xFF);
                            float v2 = db * (grid[grid2 + j] & 0xFF);
                            dst[y + j] = (sign & (1 << j)) != 0 ? -v1 : v1;
                            dst[y + j + 4] = (sign & (1 << (j + 4))) != 0 ? -v2 : v2;
                        }
                        y += 8;
                    }
                    qs += 8;
                    signs += 4;
                }
                qh += 2;
            }
        }
    }
}
