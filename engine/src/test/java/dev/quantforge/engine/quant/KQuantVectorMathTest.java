package dev.quantforge.engine.quant;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The eight-lane searches must give ggml's scalar results bit for bit on every kind of group, including
 * those the golden data has few of (infinities, NaN, subnormals, flat and one-sided groups).
 */
class KQuantVectorMathTest {
    private static final int GROUPS = 64;

    /**
     * Q3_K's and Q6_K's closing requantization against decoded scales, on every kind of group and scale, tiny and
     * huge; a group whose scale is zero keeps its levels.
     */
    @Test
    void symmetricRequantizeMatchesScalar() {
        Random random = new Random(3);
        float[] scales = {0f, 1e-30f, -1e-30f, 1e-3f, -0.02f, 0.5f, 7f, -1e20f, Float.MIN_VALUE, Float.MAX_VALUE};
        int group = 16;
        int groups = 16;
        for (int nmax : new int[] {4, 32}) {
            for (int round = 0; round < 24; round++) {
                float[] x = hostileGroups(groups, group, round, random);
                float[] groupScales = cycled(scales, groups, round);
                byte[] want = untouched(x.length);
                byte[] got = untouched(x.length);
                for (int i = 0; i < x.length; i++) {
                    float d = groupScales[i / group];
                    if (d != 0) {
                        int l = QuantMath.nearestInt(x[i] / d);
                        want[i] = (byte) (Math.max(-nmax, Math.min(nmax - 1, l)) + nmax);
                    }
                }
                KQuantVectorMath.requantize(x, 0, group, groupScales, null, -nmax, nmax - 1, nmax, got);
                assertArrayEquals(want, got, "nmax " + nmax + ", round " + round);
            }
        }
    }

    /**
     * Q2_K's, Q4_K's and Q5_K's closing requantization, (x + min) / scale, on every kind of group, scale and minimum,
     * tiny and huge; a group whose scale is zero keeps its levels.
     */
    @Test
    void offsetRequantizeMatchesScalar() {
        Random random = new Random(5);
        float[] scales = {0f, 1e-30f, -1e-30f, 1e-3f, -0.02f, 0.5f, 7f, -1e20f, Float.MIN_VALUE, Float.MAX_VALUE};
        float[] mins = {0f, -0f, 1e-3f, -0.02f, 0.3f, 1e30f, -1e30f, Float.MIN_VALUE};
        for (int maxLevel : new int[] {3, 15, 31}) {
            int group = maxLevel == 3 ? 16 : 32;
            int groups = 256 / group;
            for (int round = 0; round < 24; round++) {
                float[] x = hostileGroups(groups, group, round, random);
                float[] groupScales = cycled(scales, groups, round);
                float[] groupMins = cycled(mins, groups, 3 * round);
                byte[] want = untouched(x.length);
                byte[] got = untouched(x.length);
                for (int i = 0; i < x.length; i++) {
                    float d = groupScales[i / group];
                    if (d != 0) {
                        int l = QuantMath.nearestInt((x[i] + groupMins[i / group]) / d);
                        want[i] = (byte) Math.max(0, Math.min(maxLevel, l));
                    }
                }
                KQuantVectorMath.requantize(x, 0, group, groupScales, groupMins, 0, maxLevel, 0, got);
                assertArrayEquals(want, got, "maxLevel " + maxLevel + ", round " + round);
            }
        }
    }

    /** {@code groups} groups of {@code group} values, each of a kind {@link #fillGroup} makes, the kinds cycling. */
    private static float[] hostileGroups(int groups, int group, int round, Random random) {
        float[] x = new float[groups * group];
        for (int g = 0; g < groups; g++) {
            fillGroup(x, g * group, group, (g + round) % 12, random);
        }
        return x;
    }

    /** {@code n} values taken in turn from {@code values}, starting at {@code start}. */
    private static float[] cycled(float[] values, int n, int start) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = values[(i + start) % values.length];
        }
        return out;
    }

    /** Levels a requantization must leave alone where a group's scale is zero. */
    private static byte[] untouched(int n) {
        byte[] levels = new byte[n];
        Arrays.fill(levels, (byte) 99);
        return levels;
    }

    @Test
    void q2kSearchMatchesScalar() {
        compare(16, 3, -0.5f, 0.1f, 15, true, false);
    }

    @Test
    void q4kSearchMatchesScalar() {
        compare(32, 15, -1f, 0.1f, 20, false, true);
    }

    @Test
    void q5kSearchMatchesScalar() {
        compare(32, 31, -0.5f, 0.1f, 15, false, true);
    }

    /** The importance-weighted K paths call make_qkx3_quants, which with weights given is make_qkx2_quants. */
    @Test
    void weightedSearchMatchesQkx3() {
        for (int nmax : new int[] {3, 15, 31}) {
            int n = nmax == 3 ? 16 : 32;
            Random random = new Random(nmax);
            for (int round = 0; round < 20; round++) {
                float[] x = new float[GROUPS * n];
                for (int g = 0; g < GROUPS; g++) {
                    fillGroup(x, g * n, n, (g + round) % 12, random);
                }
                float[] weights = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    float importance = i % 7 == 0 ? 0f : (float) random.nextDouble() * 5;
                    weights[i] = importance * (float) Math.sqrt(0.01f + x[i] * x[i]);
                }
                byte[] wantLevels = new byte[x.length];
                float[] wantScales = new float[GROUPS];
                float[] wantMins = new float[GROUPS];
                float[] minOut = new float[1];
                byte[] aux = new byte[n];
                for (int g = 0; g < GROUPS; g++) {
                    wantScales[g] = QuantMath.makeQkx3Quants(n, nmax, x, g * n, weights, g * n, wantLevels, g * n,
                            minOut, aux, -0.9f, 0.05f, 36, false);
                    wantMins[g] = minOut[0];
                }
                assertSame(x, weights, n, nmax, -0.9f, 0.05f, 36, false, wantLevels, wantScales, wantMins,
                        "nmax " + nmax + ", round " + round);
            }
        }
    }

    @Test
    void q3SearchMatchesScalar() {
        int n = 16;
        Random random = new Random(3);
        for (int round = 0; round < 40; round++) {
            float[] x = new float[GROUPS * n];
            for (int g = 0; g < GROUPS; g++) {
                fillGroup(x, g * n, n, (g + round) % 12, random);
            }
            assertQ3SearchMatches(x, n, "round " + round);
        }
    }

    /**
     * Values on a coarse grid (multiples of 1/8, few of them): the passes' quotients land on and next to the
     * rounding midpoints, levels move in late passes and several groups take all five, which the lanes' shortcuts
     * (a pass ends after the previous pass's last change; the sums are tested only where a level moved) must not
     * change.
     */
    @Test
    void q3SearchMatchesScalarOnGridValues() {
        int n = 16;
        Random random = new Random(11);
        for (int round = 0; round < 400; round++) {
            float[] x = new float[GROUPS * n];
            int span = 1 + round % 24;
            for (int i = 0; i < x.length; i++) {
                x[i] = (random.nextInt(2 * span + 1) - span) / 8f;
            }
            assertQ3SearchMatches(x, n, "grid round " + round);
        }
    }

    private static void assertQ3SearchMatches(float[] x, int n, String what) {
        byte[] want = new byte[x.length];
        float[] wantScales = new float[GROUPS];
        for (int g = 0; g < GROUPS; g++) {
            wantScales[g] = KQuantMath.makeQ3Quants(n, 4, x, g * n, want, g * n);
        }
        byte[] levels = new byte[x.length];
        float[] scales = new float[GROUPS];
        float[] laneLevels = new float[KQuantMath.q3LaneLevelsSize(GROUPS, n)];
        KQuantVectorMath.makeQ3Quants(GROUPS, n, 4, x, 0, laneLevels, scales, new float[KQuantVectorMath.workSize(n)]);
        for (int g = 0; g < GROUPS; g++) {
            KQuantVectorMath.q3GroupLevels(laneLevels, g, n, 4, levels);
        }
        assertArrayEquals(want, levels, "levels, " + what);
        for (int g = 0; g < GROUPS; g++) {
            assertEquals(Float.floatToRawIntBits(wantScales[g]), Float.floatToRawIntBits(scales[g]),
                    "scale of group " + g + ", " + what);
        }
    }

    /** Q6_K (nmax 32, x² or importance weights) and importance-weighted Q3_K (nmax 4). */
    @Test
    void qxSearchMatchesScalar() {
        int n = 16;
        for (int nmax : new int[] {32, 4}) {
            for (boolean weighted : new boolean[] {false, true}) {
                Random random = new Random(nmax * 2 + (weighted ? 1 : 0));
                for (int round = 0; round < 20; round++) {
                    float[] x = new float[GROUPS * n];
                    for (int g = 0; g < GROUPS; g++) {
                        fillGroup(x, g * n, n, (g + round) % 12, random);
                    }
                    float[] weights = null;
                    if (weighted) {
                        weights = new float[x.length + 5];
                        for (int i = 0; i < weights.length; i++) {
                            weights[i] = i % 9 == 0 ? 0f : (float) random.nextDouble() * 3;
                        }
                    }
                    byte[] want = new byte[x.length + 3];
                    float[] wantScales = new float[GROUPS];
                    for (int g = 0; g < GROUPS; g++) {
                        wantScales[g] = QuantMath.makeQxQuants(n, nmax, x, g * n, want, 3 + g * n, 1, weights,
                                5 + g * n);
                    }
                    byte[] levels = new byte[x.length + 3];
                    float[] scales = new float[GROUPS];
                    KQuantVectorMath.makeQxQuants(GROUPS, n, nmax, x, 0, weights, 5, levels, 3, scales,
                            new float[KQuantVectorMath.workSize(n)]);
                    String what = "nmax " + nmax + (weighted ? " weighted" : "") + ", round " + round;
                    assertArrayEquals(want, levels, "levels, " + what);
                    for (int g = 0; g < GROUPS; g++) {
                        assertEquals(Float.floatToRawIntBits(wantScales[g]), Float.floatToRawIntBits(scales[g]),
                                "scale of group " + g + ", " + what);
                    }
                }
            }
        }
    }

    private static void compare(int n, int nmax, float rmin, float rdelta, int nstep, boolean useMad,
                                boolean rmsWeights) {
        Random random = new Random(7 + n + nmax);
        for (int round = 0; round < 40; round++) {
            float[] x = new float[GROUPS * n];
            for (int g = 0; g < GROUPS; g++) {
                fillGroup(x, g * n, n, (g + round) % 12, random);
            }
            float[] weights = new float[x.length];
            for (int g = 0; g < GROUPS; g++) {
                float sumX2 = 0;
                for (int l = 0; l < n; l++) {
                    sumX2 += x[g * n + l] * x[g * n + l];
                }
                float av = rmsWeights ? (float) Math.sqrt(sumX2 / n) : 0;
                for (int l = 0; l < n; l++) {
                    weights[g * n + l] = av + Math.abs(x[g * n + l]);
                }
            }
            byte[] wantLevels = new byte[x.length];
            float[] wantScales = new float[GROUPS];
            float[] wantMins = new float[GROUPS];
            byte[] aux = new byte[n];
            for (int g = 0; g < GROUPS; g++) {
                wantScales[g] = KQuantMath.makeQkx2Quants(n, nmax, x, g * n, weights, g * n, wantLevels, g * n,
                        wantMins, g, aux, rmin, rdelta, nstep, useMad);
            }
            assertSame(x, weights, n, nmax, rmin, rdelta, nstep, useMad, wantLevels, wantScales, wantMins,
                    "round " + round);
        }
    }

    private static void assertSame(float[] x, float[] weights, int n, int nmax, float rmin, float rdelta, int nstep,
                                   boolean useMad, byte[] wantLevels, float[] wantScales, float[] wantMins,
                                   String what) {
        byte[] levels = new byte[x.length];
        float[] scales = new float[GROUPS];
        float[] mins = new float[GROUPS];
        KQuantVectorMath.makeQkx2Quants(GROUPS, n, nmax, x, 0, weights, levels, scales, mins,
                new float[KQuantVectorMath.workSize(n)], rmin, rdelta, nstep, useMad);
        assertArrayEquals(wantLevels, levels, "levels, " + what);
        for (int g = 0; g < GROUPS; g++) {
            assertEquals(Float.floatToRawIntBits(wantScales[g]), Float.floatToRawIntBits(scales[g]),
                    "scale of group " + g + ", " + what);
            assertEquals(Float.floatToRawIntBits(wantMins[g]), Float.floatToRawIntBits(mins[g]),
                    "min of group " + g + ", " + what);
        }
    }

    private static void fillGroup(float[] x, int from, int n, int kind, Random random) {
        for (int i = 0; i < n; i++) {
            float gaussian = (float) random.nextGaussian();
            x[from + i] = switch (kind) {
                case 0 -> gaussian * 0.02f;
                case 1 -> 0f;
                case 2 -> 0.75f;
                case 3 -> gaussian * 1e-6f + (i == 3 ? Float.MIN_VALUE : 0f);
                case 4 -> i % 5 == 0 ? Float.MIN_VALUE * i : -Float.MIN_NORMAL * i;
                case 5 -> gaussian * 1e3f;
                case 6 -> i == n / 2 ? 3e4f : gaussian * 1e-4f;
                case 7 -> -Math.abs(gaussian);
                case 8 -> i == 1 ? Float.NaN : gaussian;
                case 9 -> i == 2 ? Float.POSITIVE_INFINITY : gaussian;
                case 10 -> i % 2 == 0 ? -0.0f : gaussian * 0.1f;
                default -> gaussian * 3e37f;
            };
        }
    }
}
