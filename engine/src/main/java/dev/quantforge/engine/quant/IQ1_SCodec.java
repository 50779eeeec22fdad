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
 * IQ1_S, 1.56 bits per weight: per 256 values an fp16 scale; per 32 values four 11-bit indexes into a
 * 2048-point lattice of ternary values {-1, 0, 1}, a shared shift of ±1/8 and a 3-bit sub-scale. ggml's
 * {@code quantize_iq1_s} and {@code dequantize_row_iq1_s}. ggml quantizes to it only with importance weights.
 */
final class IQ1_SCodec implements Quantizer {
    static final float DELTA = 0.125f;

    private static final int QK = GgmlType.IQ1_S.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ1_S.typeSize();
    private static final int QS_AT = 2;
    private static final int QH_AT = QS_AT + QK / 8;
    private static final int GROUP = 32;
    private static final float GROUP_MAX_EPS = 1e-12f;
    private static final float[] SHIFTED_UP = {-1 + DELTA, DELTA, 1 + DELTA};
    private static final float[] SHIFTED_DOWN = {-1 - DELTA, -DELTA, 1 - DELTA};

    @Override
    public GgmlType type() {
        return GgmlType.IQ1_S;
    }

    @Override
    public boolean requiresImportance() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        if (importance == null) {
            throw new InvalidInputException("IQ1_S needs an importance matrix: ggml does not quantize to it without one");
        }
        GridSearch grid = IQGrids.iq1();
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(grid, src, x, importance, column, dst, y, s));
    }

    private static final class Scratch {
        final float[] scales = new float[QK / GROUP];
        final int[] shifts = new int[QK / GROUP];
        final float[] weight = new float[GROUP];
        final float[] sumx = new float[GROUP + 1];
        final float[] sumw = new float[GROUP + 1];
        final float[] sortedValue = new float[GROUP];
        final int[] sortedIndex = new int[GROUP];
        final byte[] levels = new byte[GROUP];
        final int[] index = new int[GROUP / 8];
    }

    private static void quantizeBlock(GridSearch grid, float[] x, int xbl, float[] importance, int qwBase,
                                      byte[] y, int out, Scratch s) {
        float[] weight = s.weight;
        float[] sumx = s.sumx;
        float[] sumw = s.sumw;
        int[] idx = s.sortedIndex;
        byte[] levels = s.levels;
        Arrays.fill(y, out, out + BLOCK_BYTES, (byte) 0);

        float maxScale = 0;
        float sumx2 = 0;
        for (int i = 0; i < QK; i++) {
            sumx2 += x[xbl + i] * x[xbl + i];
        }
        float sigma2 = 2 * sumx2 / QK;

        for (int ib = 0; ib < QK / GROUP; ib++) {
            int xb = xbl + GROUP * ib;
            int qw = qwBase + GROUP * ib;
            for (int i = 0; i < GROUP; i++) {
                weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
            }
            float max = Math.abs(x[xb]);
            for (int i = 1; i < GROUP; i++) {
                max = max(max, Math.abs(x[xb + i]));
            }
            if (max < GROUP_MAX_EPS) {
                s.scales[ib] = 0;
                s.shifts[ib] = 1;
                continue;
            }
            // The weighted least-squares fit to {-1, 0, 1} (+ shift) is solved exactly: sort the values,
            // and every split of the sorted order into three runs is one candidate.
            sortAscending(x, xb, GROUP, s.sortedValue, idx);
            sumx[0] = 0;
            sumw[0] = 0;
            for (int j = 0; j < GROUP; j++) {
                int i = idx[j];
                sumx[j + 1] = sumx[j] + weight[i] * x[xb + i];
                sumw[j + 1] = sumw[j] + weight[i];
            }
            float bestScore = -Float.MAX_VALUE;
            float scale = max;
            int besti1 = -1;
            int besti2 = -1;
            int bestShift = 0;
            float[] xp = SHIFTED_UP;
            float[] xm = SHIFTED_DOWN;
            for (int i1 = 0; i1 <= GROUP; i1++) {
                for (int i2 = i1; i2 <= GROUP; i2++) {
                    float sumqx = (sumx[i1] - sumx[0]) * xp[0] + (sumx[i2] - sumx[i1]) * xp[1] + (sumx[GROUP] - sumx[i2]) * xp[2];
                    float sumq2 = (sumw[i1] - sumw[0]) * xp[0] * xp[0] + (sumw[i2] - sumw[i1]) * xp[1] * xp[1]
                            + (sumw[GROUP] - sumw[i2]) * xp[2] * xp[2];
                    if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                        scale = sumqx / sumq2;
                        bestScore = scale * sumqx;
                        besti1 = i1;
                        besti2 = i2;
                        bestShift = 1;
                    }
                    sumqx = (sumx[i1] - sumx[0]) * xm[0] + (sumx[i2] - sumx[i1]) * xm[1] + (sumx[GROUP] - sumx[i2]) * xm[2];
                    sumq2 = (sumw[i1] - sumw[0]) * xm[0] * xm[0] + (sumw[i2] - sumw[i1]) * xm[1] * xm[1]
                            + (sumw[GROUP] - sumw[i2]) * xm[2] * xm[2];
                    if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                        scale = sumqx / sumq2;
                        bestScore = scale * sumqx;
                        besti1 = i1;
                        besti2 = i2;
                        bestShift = -1;
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestShift == 0) {
                s.scales[ib] = 0;
                s.shifts[ib] = 1;
                continue;
            }
            for (int j = 0; j < besti1; j++) {
                levels[idx[j]] = 0;
            }
            for (int j = besti1; j < besti2; j++) {
                levels[idx[j]] = 1;
            }
            for (int j = besti2; j < GROUP; j++) {
                levels[idx[j]] = 2;
            }
            if (scale < 0) {
                for (int j = 0; j < GROUP; j++) {
                    levels[j] = (byte) (2 - levels[j]);
                }
                scale = -scale;
                bestShift = -bestShift;
            }
            boolean allOnGrid = true;
            float[] xx = bestShift == 1 ? xp : xm;
            for (int k = 0; k < GROUP / 8; k++) {
                int u = grid.pack(levels, 8 * k);
                int point = grid.indexOf(u);
                if (point < 0) {
                    allOnGrid = false;
                    point = grid.closestNeighbourShifted(u, x, xb + 8 * k, weight, 8 * k, scale, xx, levels, 8 * k);
                    if (point < 0) {
                        throw new InvalidInputException("IQ1_S cannot quantize a block whose values overflow float32 arithmetic");
                    }
                }
                s.index[k] = point;
            }
            if (!allOnGrid) {
                float sumqx = 0;
                float sumq2 = 0;
                for (int k = 0; k < GROUP / 8; k++) {
                    for (int j = 0; j < 8; j++) {
                        float w = weight[8 * k + j];
                        float q = xx[(grid.coordinate(s.index[k], j) - 1) / 2];
                        sumqx += w * q * x[xb + 8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) {
                    scale = sumqx / sumq2;
                }
            }
            int high = 0;
            for (int k = 0; k < GROUP / 8; k++) {
                y[out + QS_AT + (GROUP / 8) * ib + k] = (byte) s.index[k];
                high |= (s.index[k] >> 8) << (3 * k);
            }
            LittleEndian.putShort(y, out + QH_AT + 2 * ib, (short) high);
            s.scales[ib] = scale;
            s.shifts[ib] = bestShift;
            maxScale = max(maxScale, scale);
        }

        if (maxScale == 0) {
            return;
        }
        float d = maxScale / 15;
        LittleEndian.putHalf(y, out, d * 1.125f);
        float id = 1 / d;
        for (int ib = 0; ib < QK / GROUP; ib++) {
            int l = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 7);
            if (s.shifts[ib] == -1) {
                l |= 8;
            }
            int at = out + QH_AT + 2 * ib;
            LittleEndian.putShort(y, at, (short) (LittleEndian.getUnsignedShort(y, at) | (l << 12)));
        }
    }

    /**
     * Orders {@code n} values ascending, keeping equal values in their original order as glibc's qsort
     * (a merge sort for arrays this small) does with ggml's comparator.
     */
    static void sortAscending(float[] x, int offset, int n, float[] value, int[] index) {
        for (int j = 0; j < n; j++) {
            float v = x[offset + j];
            int p = j;
            while (p > 0 && value[p - 1] > v) {
                value[p] = value[p - 1];
                index[p] = index[p - 1];
                p--;
            }
            value[p] = v;
            index[p] = j;
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ1S;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, block);
            for (int ib = 0; ib < QK / 32; ib++) {
                int qh = LittleEndian.getUnsignedShort(src, block + QH_AT + 2 * ib);
                float dl = d * (2 * ((qh >> 12) & 7) + 1);
                float delta = (qh & 0x8000) != 0 ? -DELTA : DELTA;
                for (int l = 0; l < 4; l++) {
                    int point = ((src[block + QS_AT + 4 * ib + l] & 0xFF) | (((qh >> (3 * l)) & 7) << 8)) * 8;
                    for (int j = 0; j < 8; j++) {
                        dst[y + j] = dl * (grid[point + j] + delta);
                    }
                    y += 8;
                }
            }
        }
    }
}
