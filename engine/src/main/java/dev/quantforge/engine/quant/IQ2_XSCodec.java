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
 * IQ2_XS, 2.31 bits per weight: per 256 values an fp16 scale; per 8 values a 16-bit word holding an index
 * into a 512-point lattice of 8 magnitudes and 7 sign bits (even count of negatives); per 16 values a 4-bit
 * sub-scale. ggml's {@code quantize_row_iq2_xs_impl} and {@code dequantize_row_iq2_xs}. ggml quantizes to
 * it only with importance weights.
 */
final class IQ2_XSCodec implements Quantizer {
    private static final int QK = GgmlType.IQ2_XS.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ2_XS.typeSize();
    private static final int QS_AT = 2;
    private static final int SCALES_AT = QS_AT + QK / 4;
    private static final int MAX_LEVELS = 3;
    private static final GroupScaleSearch SEARCH = new GroupScaleSearch("IQ2_XS", 9, 0.1f, GroupScaleSearch.Refit.OFF_GRID_POINTS, true);
    private static final float GROUP_MAX_EPS = 1e-15f;

    @Override
    public GgmlType type() {
        return GgmlType.IQ2_XS;
    }

    @Override
    public boolean requiresImportance() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            throw new InvalidInputException("IQ2_XS needs an importance matrix: ggml does not quantize to it without one");
        }
        GridSearch grid = IQGrids.iq2xs();
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(grid, src, x, importance, column, dst, y, s));
    }

    private static final class Scratch {
        final float[] scales = new float[QK / 16];
        final float[] weight = new float[16];
        final float[] xval = new float[16];
        final float[] waux = new float[16];
        final byte[] levels = new byte[16];
        final byte[] levelsAux = new byte[16];
        final boolean[] onGrid = new boolean[2];
        final boolean[] onGridAux = new boolean[2];
        final int[] blockSigns = new int[2];
        final int[] q2 = new int[2 * (QK / 16)];
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

        for (int ib = 0; ib < QK / 16; ib++) {
            int xb = xbl + 16 * ib;
            int qw = qwBase + 16 * ib;
            for (int i = 0; i < 16; i++) {
                weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
            }
            for (int i = 0; i < 16; i++) {
                waux[i] = sqrtf(weight[i]);
            }
            for (int k = 0; k < 2; k++) {
                s.blockSigns[k] = IQMath.evenParitySigns(x, xb + 8 * k, weight, 8 * k, xval, 8 * k);
            }
            float max = xval[0];
            for (int i = 1; i < 16; i++) {
                max = max(max, xval[i]);
            }
            Arrays.fill(levels, (byte) 0);
            if (max < GROUP_MAX_EPS) {
                s.scales[ib] = 0;
                continue;
            }
            float scale = SEARCH.fit(grid, xval, weight, waux, 16, max, max / (2 * MAX_LEVELS - 1),
                    levels, levelsAux, s.onGrid, s.onGridAux);
            if (scale < 0) {
                // ggml's guard, never expected: keep the scale positive by flipping the signs
                scale = -scale;
                s.blockSigns[0] = ~s.blockSigns[0] & 127;
                s.blockSigns[1] = ~s.blockSigns[1] & 127;
            }
            for (int k = 0; k < 2; k++) {
                int point = grid.indexOf(grid.pack(levels, 8 * k));
                if (point < 0) {
                    throw new IllegalStateException("IQ2_XS: levels off the grid");
                }
                q2[2 * ib + k] = point | (s.blockSigns[k] << 9);
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
        for (int ib = 0; ib < QK / 16; ib++) {
            int l = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 15);
            if (ib % 2 == 0) {
                y[out + SCALES_AT + ib / 2] = (byte) l;
            } else {
                y[out + SCALES_AT + ib / 2] |= (byte) (l << 4);
            }
        }
        for (int i = 0; i < q2.length; i++) {
            LittleEndian.putShort(y, out + QS_AT + 2 * i, (short) q2[i]);
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ2XS;
        byte[] ksigns = IQGrids.KSIGNS;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, block);
            for (int ib32 = 0; ib32 < QK / 32; ib32++) {
                int scales = src[block + SCALES_AT + ib32] & 0xFF;
                float db0 = d * (0.5f + (scales & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (scales >> 4)) * 0.25f;
                for (int l = 0; l < 4; l++) {
                    int word = LittleEndian.getUnsignedShort(src, block + QS_AT + 2 * (4 * ib32 + l));
                    int point = (word & 511) * 8;
                    int signs = ksigns[word >> 9];
                    float db = l < 2 ? db0 : db1;
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
