package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * ggml's Q4_K: super-blocks of 256 values in eight groups of 32, each with a 6-bit scale and a
 * 6-bit min, levels 0..15. Layout (144 bytes): half d, half dmin, 12 bytes of packed scales and
 * mins, 128 bytes of nibbles (each 64 values: the first 32 in low nibbles, the next 32 in high ones).
 */
final class Q4_KCodec extends ScaleMinKCodec {
    private static final int QS = 16;

    Q4_KCodec() {
        super(GgmlType.Q4_K, 15, -1f, 20, false);
    }

    @Override
    void packLevels(byte[] levels, byte[] y, int yo) {
        LevelPacking.nibbles(levels, y, yo + QS);
    }

    @Override
    int level(byte[] src, int block, int index) {
        int packed = src[block + QS + 32 * (index / 64) + index % 32] & 0xFF;
        return index % 64 < 32 ? packed & 0xF : packed >> 4;
    }
}
