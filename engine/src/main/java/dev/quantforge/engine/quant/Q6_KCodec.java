package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

import java.util.Arrays;

import static dev.quantforge.engine.quant.KQuantMath.GROUP_MAX_EPS;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * ggml's Q6_K: super-blocks of 256 values in sixteen groups of 16, each with a signed 8-bit scale,
 * levels -32..31. Layout (210 bytes): 128 bytes of low nibbles, 64 bytes of high bit pairs,
 * 16 signed scales, half d.
 */
final class Q6_KCodec implements Quantizer {
    private static final int QK_K = GgmlType.Q6_K.blockSize();
    private static final int GROUP = 16;
    private static final int GROUPS = QK_K / GROUP;
    private static final int BLOCK_BYTES = GgmlType.Q6_K.typeSize();
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void expect(long values, boolean weighted) {
        KQuantMath.expectQxGroups(values);
    }

    /**
     * Without importance ggml's quantize_row_q6_K_ref; with it quantize_row_q6_K_impl, which differs
     * only in weighting each group's scale search by the raw importance instead of x².
     */
    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst,
                         int dstOffset) {
        byte[] levels = new byte[QK_K];
        float[] scales = new float[GROUPS];
        float[] groupScales = new float[GROUPS];
        float[] work = new float[KQuantMath.qkx2WorkSize(GROUP)];
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset,
                (x, column, y) -> quantizeBlock(src, x, importance, column, dst, y, levels, scales, groupScales, work));
    }

    private static void quantizeBlock(float[] x, int xo, float[] importance, int qo, byte[] y, int yo,
                                      byte[] levels, float[] scales, float[] groupScales, float[] work) {
        KQuantMath.makeQxQuantsGroups(GROUPS, GROUP, 32, x, xo, importance, qo, levels, 0, scales, work);
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < GROUPS; ib++) {
            float scale = scales[ib];
            float absScale = Math.abs(scale);
            if (absScale > maxAbsScale) {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            Arrays.fill(y, yo, yo + BLOCK_BYTES, (byte) 0);
            return;
        }
        float iscale = -128.f / maxScale;
        short dHalf = Fp16.fromFloat(1 / iscale);
        LittleEndian.putShort(y, yo + D, dHalf);
        for (int ib = 0; ib < GROUPS; ib++) {
            y[yo + SCALES + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        float dAll = Fp16.toFloat(dHalf);
        for (int j = 0; j < GROUPS; j++) {
            groupScales[j] = dAll * y[yo + SCALES + j];
        }
        KQuantMath.symmetricRequantize(x, xo, GROUP, groupScales, 32, levels);
        LevelPacking.q6(levels, y, yo + QL, yo + QH);
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (int b = srcOffset, end = srcOffset + count / QK_K * BLOCK_BYTES; b < end; b += BLOCK_BYTES) {
            float d = LittleEndian.getHalf(src, b + D);
            int ql = b + QL;
            int qh = b + QH;
            int sc = b + SCALES;
            for (int n = 0; n < QK_K; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int low = src[ql + l] & 0xFF;
                    int lowNext = src[ql + l + 32] & 0xFF;
                    int high = src[qh + l] & 0xFF;
                    int q1 = ((low & 0xF) | ((high & 3) << 4)) - 32;
                    int q2 = ((lowNext & 0xF) | (((high >> 2) & 3) << 4)) - 32;
                    int q3 = ((low >> 4) | (((high >> 4) & 3) << 4)) - 32;
                    int q4 = ((lowNext >> 4) | (((high >> 6) & 3) << 4)) - 32;
                    dst[out + l] = d * src[sc + is] * q1;
                    dst[out + l + 32] = d * src[sc + is + 2] * q2;
                    dst[out + l + 64] = d * src[sc + is + 4] * q3;
                    dst[out + l + 96] = d * src[sc + is + 6] * q4;
                }
                out += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
