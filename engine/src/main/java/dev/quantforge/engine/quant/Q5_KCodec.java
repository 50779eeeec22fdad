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

    @Override
    void packLevels(byte[] levels, byte[] y, int yo) {
        LevelPacking.nibblesAndFifthBits(levels, y, yo + QS, yo + QH);
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
