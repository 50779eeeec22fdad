package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.LittleEndian;

/**
 * The K-quants' level packings, eight bytes at a time: each byte lane of a {@code long} gathers from the levels' bytes
 * in the same lane, so a shift never carries into the next lane. A loop per byte with a branch per level (Q5_K's fifth
 * bits) or a read-modify-write per bit cost up to a quarter of a kernel's time; these have no branch on the data.
 * Every level is 0..63 and the super-block's 256 levels are one byte each.
 */
final class LevelPacking {
    private static final long BIT_0 = 0x0101010101010101L;
    private static final long BITS_0_1 = 0x0303030303030303L;
    private static final long LOW_NIBBLES = 0x0F0F0F0F0F0F0F0FL;

    private LevelPacking() {
    }

    /** Q2_K and Q3_K: bits 0-1 of four levels 32 apart per byte, 32 bytes per 128 levels, 64 bytes from {@code at}. */
    static void lowPairs(byte[] levels, byte[] y, int at) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l += 8) {
                long packed = 0;
                for (int k = 0; k < 4; k++) {
                    packed |= (LittleEndian.getLong(levels, j + l + 32 * k) & BITS_0_1) << (2 * k);
                }
                LittleEndian.putLong(y, at + j / 4 + l, packed);
            }
        }
    }

    /** Q3_K: bit 2 of level {@code m + 32 k} as bit {@code k} of byte {@code m}, 32 bytes from {@code at}. */
    static void thirdBits(byte[] levels, byte[] y, int at) {
        for (int m = 0; m < 32; m += 8) {
            long packed = 0;
            for (int k = 0; k < 8; k++) {
                packed |= ((LittleEndian.getLong(levels, m + 32 * k) >>> 2) & BIT_0) << k;
            }
            LittleEndian.putLong(y, at + m, packed);
        }
    }

    /** Q4_K: levels 0..15, two 32 apart per byte (the first in the low nibble), 128 bytes from {@code at}. */
    static void nibbles(byte[] levels, byte[] y, int at) {
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l += 8) {
                LittleEndian.putLong(y, at + j / 2 + l,
                        LittleEndian.getLong(levels, j + l) | LittleEndian.getLong(levels, j + l + 32) << 4);
            }
        }
    }

    /**
     * Q5_K: levels 0..31, their low nibbles as {@link #nibbles} from {@code qs}; value {@code 64c + 32h + l} keeps its
     * fifth bit in bit {@code 2c + h} of byte {@code l} of the 32 from {@code qh}.
     */
    static void nibblesAndFifthBits(byte[] levels, byte[] y, int qs, int qh) {
        for (int l = 0; l < 32; l += 8) {
            long fifth = 0;
            for (int c = 0; c < 4; c++) {
                long first = LittleEndian.getLong(levels, 64 * c + l);
                long second = LittleEndian.getLong(levels, 64 * c + l + 32);
                LittleEndian.putLong(y, qs + 32 * c + l, (first & LOW_NIBBLES) | (second & LOW_NIBBLES) << 4);
                fifth |= ((first >>> 4) & BIT_0) << (2 * c) | ((second >>> 4) & BIT_0) << (2 * c + 1);
            }
            LittleEndian.putLong(y, qh + l, fifth);
        }
    }

    /**
     * Q6_K: levels 0..63 in groups of 128; per group, low nibbles of values {@code l} and {@code l + 64} in byte
     * {@code l} of ql, of {@code l + 32} and {@code l + 96} in byte {@code l + 32}; their top two bits four to a byte
     * of qh ({@code l}, {@code l + 32}, {@code l + 64}, {@code l + 96} from bit 0). 128 bytes from {@code ql}, 64 from
     * {@code qh}.
     */
    static void q6(byte[] levels, byte[] y, int ql, int qh) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l += 8) {
                long l1 = LittleEndian.getLong(levels, j + l);
                long l2 = LittleEndian.getLong(levels, j + l + 32);
                long l3 = LittleEndian.getLong(levels, j + l + 64);
                long l4 = LittleEndian.getLong(levels, j + l + 96);
                LittleEndian.putLong(y, ql + j / 2 + l, (l1 & LOW_NIBBLES) | (l3 & LOW_NIBBLES) << 4);
                LittleEndian.putLong(y, ql + j / 2 + l + 32, (l2 & LOW_NIBBLES) | (l4 & LOW_NIBBLES) << 4);
                LittleEndian.putLong(y, qh + j / 4 + l, ((l1 >>> 4) & BITS_0_1) | ((l2 >>> 4) & BITS_0_1) << 2
                        | ((l3 >>> 4) & BITS_0_1) << 4 | ((l4 >>> 4) & BITS_0_1) << 6);
            }
        }
    }
}
