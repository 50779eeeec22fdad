package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * ggml's Q5_K: super-blocks of 256 values in eight groups of 32, each with a 6-bit scale and a
 * 6-bit min, levels 0..31. Layout (176 bytes): half d, half dmin, 12 bytes of packed scales and
 * mins, 32 bytes of fifth bits, 128 bytes of low nibbles (laid out as Q4_K's nibbles).
 */
final class Q5_KCodec extends ScaleMinKCodec {
    private static final int QH = 16;
    private static final int QS = 48;

    Q5_KCodec() {
        // unlike Q4_K, ggml clamps the importance-weighted scale levels (a wrapped negative one becomes 63)
        super(GgmlType.Q5_K, 31, -0.5f, 15, true);
    }

    /** Value {@code 64c + 32h + l} keeps its fifth bit in bit {@code 2c + h} of {@code qh[l]}. */
    @Override
    void packLevels(byte[] levels, byte[] y, int yo) {
        for (int j = 0; j < 32; j++) {
            y[yo + QH + j] = 0;
        }
        int ql = yo + QS;
        int m1 = 1;
        int m2 = 2;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = levels[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    y[yo + QH + j] |= (byte) m1;
                }
                int l2 = levels[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    y[yo + QH + j] |= (byte) m2;
                }
                y[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    @Override
    int level(byte[] src, int block, int index) {
        int l = index % 32;
        int half = index % 64 / 32;
        int packed = src[block + QS + 32 * (index / 64) + l] & 0xFF;
        int low = half == 0 ? packed & 0xF : packed >> 4;
        int high = (src[block + QH + l] >> (2 * (index / 64) + half)) & 1;
        return low + 16 * high;
    }
}
