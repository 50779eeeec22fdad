package dev.quantforge.engine.onnx;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Int4Blocks} against ONNX Runtime's MLAS blockwise rules (q4_dq.cpp, range2scalezp / range2scale /
 * quantizeAndTranspose), on rows built to hit their corners; every expected value is worked out by hand.
 */
class Int4BlocksTest {

    /** One block of 16 (the smallest block), asymmetric or not; returns nibbles, and scale/zp via the arrays. */
    private static int[] quantize(float[] row, int blockSize, boolean symmetric, float[] scales, int[] zps) {
        int blocks = Int4Blocks.blocks(row.length, blockSize);
        byte[] packed = new byte[Int4Blocks.columnBytes(row.length, blockSize)];
        byte[] zp = symmetric ? null : new byte[Int4Blocks.zeroPointBytes(row.length, blockSize)];
        float[] s = new float[blocks];
        Int4Blocks.quantizeColumn(row, 0, row.length, blockSize, symmetric, packed, 0, s, 0, zp, 0);
        System.arraycopy(s, 0, scales, 0, blocks);
        for (int b = 0; b < blocks; b++) {
            zps[b] = symmetric ? 8 : (zp[b / 2] >> (4 * (b % 2))) & 0xF;
        }
        int[] nibbles = new int[packed.length * 2];
        for (int i = 0; i < nibbles.length; i++) {
            nibbles[i] = (packed[i / 2] >> (4 * (i % 2))) & 0xF;
        }
        return nibbles;
    }

    private static float[] row(float fill, float... head) {
        float[] r = new float[16];
        Arrays.fill(r, fill);
        System.arraycopy(head, 0, r, 0, head.length);
        return r;
    }

    private static int[] nibbles(int fill, int... head) {
        int[] r = new int[16];
        Arrays.fill(r, fill);
        System.arraycopy(head, 0, r, 0, head.length);
        return r;
    }

    @Test
    void zerosAsymmetricHaveScaleZeroAndZeroPointZero() {
        float[] s = new float[1];
        int[] zp = new int[1];
        assertArrayEquals(nibbles(0), quantize(row(0f), 16, false, s, zp));
        assertEquals(0f, s[0]);
        assertEquals(0, zp[0]);
    }

    @Test
    void zerosSymmetricSitAtTheMidpoint() {
        float[] s = new float[1];
        int[] zp = new int[1];
        assertArrayEquals(nibbles(8), quantize(row(0f), 16, true, s, zp));
        assertEquals(0f, Math.abs(s[0]));
    }

    @Test
    void constantRowsStretchTheRangeToZero() {
        float[] s = new float[1];
        int[] zp = new int[1];
        // [0, 3]: scale 0.2, zp roundf(-0/0.2) = 0, 3 → roundf(3 * 5 + 0) = 15
        assertArrayEquals(nibbles(15), quantize(row(3f), 16, false, s, zp));
        assertEquals(3f / 15f, s[0]);
        assertEquals(0, zp[0]);
        // [-3, 0]: zp roundf(3 / 0.2) = 15, -3 → 0
        assertArrayEquals(nibbles(0), quantize(row(-3f), 16, false, s, zp));
        assertEquals(15, zp[0]);
        // symmetric: extreme 3, scale -3/8, 3 → roundf(-8 + 8) = 0
        assertArrayEquals(nibbles(0), quantize(row(3f), 16, true, s, zp));
        assertEquals(-3f / 8f, s[0]);
    }

    @Test
    void tiesRoundHalfAwayFromZero() {
        float[] s = new float[1];
        int[] zp = new int[1];
        // min -1, max 14: scale 1, zp 1; 0.5 → roundf(1.5) = 2; 1.5 → roundf(2.5) = 3 (half-even would give 2);
        // -0.5 → roundf(0.5) = 1 (half-even: 0); 2.5 → roundf(3.5) = 4; 14 → 15
        float[] r = row(0f, -1f, 14f, 0.5f, 1.5f, -0.5f, 2.5f);
        assertArrayEquals(nibbles(1, 0, 15, 2, 3, 1, 4), quantize(r, 16, false, s, zp));
        assertEquals(1f, s[0]);
        assertEquals(1, zp[0]);
    }

    @Test
    void symmetricUsesTheSignedExtremeAndTheMinimumOnATie() {
        float[] s = new float[1];
        int[] zp = new int[1];
        // extreme -8 → scale 1: -8 → 0, 7.99 → roundf(15.99) = 16 → 15, 0.5 → roundf(8.5) = 9
        assertArrayEquals(nibbles(8, 0, 15, 9), quantize(row(0f, -8f, 7.99f, 0.5f), 16, true, s, zp));
        assertEquals(1f, s[0]);
        // |min| = |max|: the minimum wins (max is taken only when strictly larger): scale -(-4)/8 = 0.5
        assertArrayEquals(nibbles(8, 0, 15), quantize(row(0f, -4f, 4f), 16, true, s, zp));
        assertEquals(0.5f, s[0]);
        // positive extreme: scale -8/8 = -1, so 8 → roundf(-8 + 8) = 0 and -7 → 15
        assertArrayEquals(nibbles(8, 0, 15), quantize(row(0f, 8f, -7f), 16, true, s, zp));
        assertEquals(-1f, s[0]);
    }

    @Test
    void anOutlierFlattensTheRestOfItsBlock() {
        float[] s = new float[1];
        int[] zp = new int[1];
        // [0, 150]: scale 10, zp 0; 4.9 → 0, 5 → roundf(0.5) = 1, 150 → 15
        assertArrayEquals(nibbles(0, 15, 0, 1), quantize(row(0.01f, 150f, 4.9f, 5f), 16, false, s, zp));
        assertEquals(10f, s[0]);
    }

    @Test
    void partialLastBlockIsPaddedWithZeroNibblesAndZeroPointsPackLowFirst() {
        // K = 40 with blocks of 32: block 0 all -1 (zp 15), block 1 eight values of 2 (zp 0) then padding
        float[] r = new float[40];
        Arrays.fill(r, 0, 32, -1f);
        Arrays.fill(r, 32, 40, 2f);
        byte[] packed = new byte[Int4Blocks.columnBytes(40, 32)];
        byte[] zp = new byte[Int4Blocks.zeroPointBytes(40, 32)];
        float[] scales = new float[2];
        Int4Blocks.quantizeColumn(r, 0, 40, 32, false, packed, 0, scales, 0, zp, 0);
        assertEquals(32, packed.length);
        assertEquals(1, zp.length);
        assertEquals(15 | (0 << 4), zp[0] & 0xFF);
        assertEquals(1f / 15f, scales[0]);
        assertEquals(2f / 15f, scales[1]);
        for (int i = 0; i < 16; i++) {
            assertEquals(0, packed[i], "block 0 byte " + i); // -1 → 0 at zp 15
        }
        for (int i = 16; i < 20; i++) {
            assertEquals((byte) 0xFF, packed[i], "block 1 byte " + i); // 2 → 15, two per byte
        }
        for (int i = 20; i < 32; i++) {
            assertEquals(0, packed[i], "padding byte " + i);
        }
    }

    @Test
    void lowNibbleHoldsTheEarlierElement() {
        float[] s = new float[1];
        int[] zp = new int[1];
        float[] r = row(0f, -1f, 14f); // zp 1: -1 → 0 (low nibble of byte 0), 14 → 15 (high nibble)
        quantize(r, 16, false, s, zp);
        byte[] packed = new byte[8];
        Int4Blocks.quantizeColumn(r, 0, 16, 16, false, packed, 0, new float[1], 0, new byte[1], 0);
        assertEquals((byte) 0xF0, packed[0]);
    }

    @Test
    void float16ScalesAreRoundedAndQuantizeWithTheRoundedScale() {
        // [-0.5, 1]: scale (1 - -0.5) / 15 = 0.1f, zp roundf(0.5 / 0.1f) = 5 either way. float32 scales: 1 / 0.1f is
        // 10.0f, and 0.55f → roundf(5.5f + 5) = 11. float16: the scale is stored as 0.0999755859375 (float16's
        // nearest to 0.1), 1 / it = 10.002442f; 0.55 is read as float16's 0.5498046875, * 10.002442 + 5 = 10.4994
        // → 10; -0.5 → roundf(-0.0012) = -0 → 0; 1 → roundf(15.0024) = 15
        float[] r = row(0f, -0.5f, 1f, 0.55f);
        float[] s = new float[1];
        int[] zp = new int[1];
        assertArrayEquals(nibbles(5, 0, 15, 11), quantize(r, 16, false, s, zp));
        assertEquals(0.1f, s[0]);
        byte[] packed = new byte[8];
        byte[] zeroPoints = new byte[1];
        Int4Blocks.quantizeColumn(r, 0, 16, 16, false, true, packed, 0, s, 0, zeroPoints, 0);
        assertEquals(0.0999755859375f, s[0]);
        assertEquals(5, zeroPoints[0]);
        assertEquals((byte) 0xF0, packed[0]);
        assertEquals((byte) 0x5A, packed[1]);
        assertEquals((byte) 0x55, packed[2]);
        // symmetric: extreme 1, scale -1/8 = -0.125 is a float16 already; 0.55 → roundf(-4.4 + 8) = 4 either way
        Int4Blocks.quantizeColumn(r, 0, 16, 16, true, true, packed, 0, s, 0, null, 0);
        assertEquals(-0.125f, s[0]);
        assertEquals((byte) 0x84, packed[1]);
    }

    @Test
    void dequantizedValuesAreWithinHalfAScaleOrOneWhereSymmetricClamps() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (boolean symmetric : new boolean[]{false, true}) {
            float[] r = new float[128];
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) random.nextGaussian();
            }
            float[] s = new float[4];
            int[] zp = new int[4];
            int[] q = quantize(r, 32, symmetric, s, zp);
            for (int i = 0; i < r.length; i++) {
                float back = Int4Blocks.dequantize(q[i], zp[i / 32], s[i / 32]);
                // symmetric maps the extreme to -8: the other side ends at +7, one step short
                double tolerance = Math.abs(s[i / 32]) * (symmetric ? 1.0001 : 0.5001) + 1e-7;
                assertEquals(r[i], back, tolerance, "element " + i + (symmetric ? " sym" : " asym"));
            }
        }
    }

    @Test
    void int8IsSymmetricPerChannelWithHalfEvenRounding() {
        float[] row = {-2.54f, 1.27f, 0.01f, 0f};
        float scale = Int8Channels.scale(row, 0, row.length);
        assertEquals(2.54f / 127f, scale);
        assertEquals(-127, Int8Channels.quantize(-2.54f, scale));
        assertEquals(1f, Int8Channels.scale(new float[4], 0, 4));
        assertEquals(2, Int8Channels.quantize(2.5f, 1f)); // half to even
        assertEquals(-2, Int8Channels.quantize(-2.5f, 1f));
        assertEquals(127, Int8Channels.quantize(300f, 1f));
    }
}
