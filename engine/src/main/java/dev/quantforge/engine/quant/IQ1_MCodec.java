package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import java.util.Arrays;

import static dev.quantforge.engine.quant.IQMath.clamp;
import static dev.quantforge.engine.quant.IQMath.max;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;
import static dev.quantforge.engine.quant.IQMath.sqrtf;

/**
 * IQ1_M, 1.75 bits per weight: per 8 values an 11-bit index into IQ1_S's 2048-point ternary lattice and
 * its own ±1/8 shift; per 16 values a 3-bit sub-scale; the fp16 block scale is spread over the top nibbles
 * of the four sub-scale words. ggml's {@code quantize_iq1_m} and {@code dequantize_row_iq1_m}.
 */
final class IQ1_MCodec implements Quantizer {
    private static final int QK = GgmlType.IQ1_M.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ1_M.typeSize();
    private static final int QH_AT = QK / 8;
    private static final int SCALES_AT = QH_AT + QK / 16;
    private static final int GROUP = 16;
    /** Terms per candidate: one per sorted position and level. */
    private static final int TERMS = 3 * GROUP;
    private static final float GROUP_MAX_EPS = 1e-7f;
    private static final float DELTA = 0.125f;
    private static final float[] SHIFTED_UP = {-1 + DELTA, DELTA, 1 + DELTA};
    private static final float[] SHIFTED_DOWN = {-1 - DELTA, -DELTA, 1 - DELTA};
    /** Shift bits of the two 8-value halves: 0 = (+, +), 1 = (+, -), 2 = (-, +), 3 = (-, -). */
    private static final int[] SHIFT_MASKS = {0x00, 0x80, 0x08, 0x88};

    @Override
    public GgmlType type() {
        return GgmlType.IQ1_M;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        GridSearch grid = IQGrids.iq1();
        Scratch s = new Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(grid, src, x, importance, column, dst, y, s));
    }

    private static final class Scratch {
        final float[] scales = new float[QK / GROUP];
        final int[] shifts = new int[QK / GROUP];
        final float[] weight = new float[GROUP];
        final float[] sortedValue = new float[GROUP];
        final int[] sortedIndex = new int[GROUP];
        final byte[] levels = new byte[GROUP];
        final int[] index = new int[GROUP / 8];
        final float[] termX = new float[4 * TERMS];
        final float[] termQ = new float[4 * TERMS];
        final float[] lowX = new float[4];
        final float[] lowQ = new float[4];
        final float[] midX = new float[4];
        final float[] midQ = new float[4];
    }

    private static void weights(float[] x, int xb, float[] importance, int qw, float sigma2, float[] weight) {
        if (importance != null) {
            for (int i = 0; i < GROUP; i++) {
                weight[i] = importance[qw + i] * sqrtf(sigma2 + x[xb + i] * x[xb + i]);
            }
        } else {
            for (int i = 0; i < GROUP; i++) {
                weight[i] = x[xb + i] * x[xb + i];
            }
        }
    }

    /** The shifted level values of half {@code k} (0 or 1) of a group with shift choice {@code shift}. */
    private static float[] shiftedValues(int shift, int k) {
        boolean up = k == 0 ? shift < 2 : shift % 2 == 0;
        return up ? SHIFTED_UP : SHIFTED_DOWN;
    }

    private static void quantizeBlock(GridSearch grid, float[] x, int xbl, float[] importance, int qwBase,
                                      byte[] y, int out, Scratch s) {
        float[] weight = s.weight;
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
            weights(x, xb, importance, qwBase + GROUP * ib, sigma2, weight);
            float max = Math.abs(x[xb]);
            for (int i = 1; i < GROUP; i++) {
                max = max(max, Math.abs(x[xb + i]));
            }
            if (max < GROUP_MAX_EPS) {
                s.scales[ib] = 0;
                s.shifts[ib] = 0;
                continue;
            }
            // Exact weighted fit to {-1, 0, 1}: every split of the sorted values into three runs, with each
            // half of the group shifted up or down (4 combinations), is a candidate.
            IQ1_SCodec.sortAscending(x, xb, GROUP, s.sortedValue, idx);
            float bestScore = -Float.MAX_VALUE;
            float scale = max;
            int besti1 = -1;
            int besti2 = -1;
            int bestK = -1;
            // Candidate k adds, in sorted order j, the term of value idx[j] at its level (0 before i1, 1 before
            // i2, 2 after). Splits with the same i1 share the sums up to i2, and all share the level-0 sums up
            // to i1, so those running sums are carried over: every candidate still sees ggml's exact sequence
            // of float additions.
            float[] tx = s.termX;
            float[] tq = s.termQ;
            for (int j = 0; j < GROUP; j++) {
                int i = idx[j];
                float w = weight[i];
                for (int level = 0; level < 3; level++) {
                    float up = SHIFTED_UP[level];
                    float down = SHIFTED_DOWN[level];
                    float wxUp = w * up * x[xb + i];
                    float wxDown = w * down * x[xb + i];
                    float wqUp = w * up * up;
                    float wqDown = w * down * down;
                    boolean firstHalf = i < GROUP / 2;
                    int t = level * GROUP + j;
                    tx[t] = wxUp;
                    tq[t] = wqUp;
                    tx[TERMS + t] = firstHalf ? wxUp : wxDown;
                    tq[TERMS + t] = firstHalf ? wqUp : wqDown;
                    tx[2 * TERMS + t] = firstHalf ? wxDown : wxUp;
                    tq[2 * TERMS + t] = firstHalf ? wqDown : wqUp;
                    tx[3 * TERMS + t] = wxDown;
                    tq[3 * TERMS + t] = wqDown;
                }
            }
            float[] lowX = s.lowX;
            float[] lowQ = s.lowQ;
            float[] midX = s.midX;
            float[] midQ = s.midQ;
            Arrays.fill(lowX, 0);
            Arrays.fill(lowQ, 0);
            for (int i1 = 0; i1 <= GROUP; i1++) {
                System.arraycopy(lowX, 0, midX, 0, 4);
                System.arraycopy(lowQ, 0, midQ, 0, 4);
                for (int i2 = i1; i2 <= GROUP; i2++) {
                    for (int k = 0; k < 4; k++) {
                        float sumqx = midX[k];
                        float sumq2 = midQ[k];
                        for (int j = i2; j < GROUP; j++) {
                            sumqx += tx[k * TERMS + 2 * GROUP + j];
                            sumq2 += tq[k * TERMS + 2 * GROUP + j];
                        }
                        if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                            scale = sumqx / sumq2;
                            bestScore = scale * sumqx;
                            besti1 = i1;
                            besti2 = i2;
                            bestK = k;
                        }
                    }
                    if (i2 < GROUP) {
                        for (int k = 0; k < 4; k++) {
                            midX[k] += tx[k * TERMS + GROUP + i2];
                            midQ[k] += tq[k * TERMS + GROUP + i2];
                        }
                    }
                }
                if (i1 < GROUP) {
                    for (int k = 0; k < 4; k++) {
                        lowX[k] += tx[k * TERMS + i1];
                        lowQ[k] += tq[k * TERMS + i1];
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestK < 0) {
                s.scales[ib] = 0;
                s.shifts[ib] = 0;
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
                bestK = 3 - bestK;
            }
            boolean allOnGrid = true;
            for (int k = 0; k < GROUP / 8; k++) {
                int u = grid.pack(levels, 8 * k);
                int point = grid.indexOf(u);
                if (point < 0) {
                    allOnGrid = false;
                    point = grid.closestNeighbourShifted(u, x, xb + 8 * k, weight, 8 * k, scale,
                            shiftedValues(bestK, k), levels, 8 * k);
                    if (point < 0) {
                        throw new InvalidInputException("IQ1_M cannot quantize a block whose values overflow float32 arithmetic");
                    }
                }
                s.index[k] = point;
            }
            if (!allOnGrid) {
                float fitqx = 0;
                float fitq2 = 0;
                for (int k = 0; k < GROUP / 8; k++) {
                    float[] xx = shiftedValues(bestK, k);
                    for (int j = 0; j < 8; j++) {
                        float w = weight[8 * k + j];
                        float q = xx[(grid.coordinate(s.index[k], j) - 1) / 2];
                        fitqx += w * q * x[xb + 8 * k + j];
                        fitq2 += w * q * q;
                    }
                }
                if (fitqx > 0 && fitq2 > 0) {
                    scale = fitqx / fitq2;
                }
            }
            y[out + 2 * ib] = (byte) s.index[0];
            y[out + 2 * ib + 1] = (byte) s.index[1];
            y[out + QH_AT + ib] = (byte) ((s.index[0] >> 8) | ((s.index[1] >> 8) << 4));
            s.scales[ib] = scale;
            s.shifts[ib] = bestK;
            maxScale = max(maxScale, scale);
        }

        if (maxScale == 0) {
            return;
        }
        // The block scale is refitted to the rounded sub-scales before it is stored.
        float d = maxScale / 15;
        float id = 1 / d;
        float fitqx = 0;
        float fitq2 = 0;
        for (int ib = 0; ib < QK / GROUP; ib++) {
            int l = clamp(nearestInt(0.5f * (id * s.scales[ib] - 1)), 0, 7);
            int word = out + SCALES_AT + 2 * (ib / 4);
            LittleEndian.putShort(y, word, (short) (LittleEndian.getUnsignedShort(y, word) | (l << (3 * (ib % 4)))));
            y[out + QH_AT + ib] |= (byte) SHIFT_MASKS[s.shifts[ib]];
            int xb = xbl + GROUP * ib;
            weights(x, xb, importance, qwBase + GROUP * ib, sigma2, weight);
            int qh = y[out + QH_AT + ib] & 0xFF;
            for (int k = 0; k < GROUP / 8; k++) {
                float[] xx = shiftedValues(s.shifts[ib], k);
                int point = (y[out + 2 * ib + k] & 0xFF) + ((qh << (8 - 4 * k)) & 0x700);
                for (int j = 0; j < 8; j++) {
                    float w = weight[8 * k + j];
                    float q = xx[(grid.coordinate(point, j) - 1) / 2] * (2 * l + 1);
                    fitqx += w * q * x[xb + 8 * k + j];
                    fitq2 += w * q * q;
                }
            }
        }
        if (fitq2 > 0) {
            d = fitqx / fitq2;
        }
        int half = Fp16.fromFloat(d * 1.1125f) & 0xFFFF;
        for (int w = 0; w < 4; w++) {
            int word = out + SCALES_AT + 2 * w;
            int nibble = (half >> (4 * w)) & 0xF;
            LittleEndian.putShort(y, word, (short) (LittleEndian.getUnsignedShort(y, word) | (nibble << 12)));
        }
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        byte[] grid = IQGrids.IQ1S;
        int y = dstOffset;
        for (int b = 0; b < count / QK; b++) {
            int block = srcOffset + b * BLOCK_BYTES;
            int half = (LittleEndian.getUnsignedShort(src, block + SCALES_AT) >> 12)
                    | ((LittleEndian.getUnsignedShort(src, block + SCALES_AT + 2) >> 8) & 0x00f0)
                    | ((LittleEndian.getUnsignedShort(src, block + SCALES_AT + 4) >> 4) & 0x0f00)
                    | (LittleEndian.getUnsignedShort(src, block + SCALES_AT + 6) & 0xf000);
            float d = Fp16.toFloat((short) half);
            for (int ib = 0; ib < QK / 32; ib++) {
                int scale = LittleEndian.getUnsignedShort(src, block + SCALES_AT + 2 * (ib / 2));
                float dl1 = d * (2 * ((scale >> (6 * (ib % 2))) & 0x7) + 1);
                float dl2 = d * (2 * ((scale >> (6 * (ib % 2) + 3)) & 0x7) + 1);
                int qh0 = src[block + QH_AT + 2 * ib] & 0xFF;
                int qh1 = src[block + QH_AT + 2 * ib + 1] & 0xFF;
                int qs = block + 4 * ib;
                for (int l = 0; l < 4; l++) {
                    int qh = l < 2 ? qh0 : qh1;
                    int highShift = l % 2 == 0 ? 8 : 4;
                    int signBit = l % 2 == 0 ? 0x08 : 0x80;
                    int point = ((src[qs + l] & 0xFF) | ((qh << highShift) & 0x700)) * 8;
                    float delta = (qh & signBit) != 0 ? -DELTA : DELTA;
                    float dl = l < 2 ? dl1 : dl2;
                    for (int j = 0; j < 8; j++) {
                        dst[y + j] = dl * (grid[point + j] + delta);
                    }
                    y += 8;
                }
            }
        }
    }
}
