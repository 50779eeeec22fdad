package dev.quantforge.engine.quant;

import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * The scale searches and scale packing only the K-quants use ({@code ggml-quants.c}), bit-exact in
 * the same sense as {@link QuantMath}.
 */
final class KQuantMath {
    /** ggml's GROUP_MAX_EPS: groups whose largest magnitude is below it count as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantMath() {
    }

    /** C's {@code sqrtf}: the double square root of a float rounds to the correctly rounded float result. */
    static float sqrtf(float f) {
        return (float) Math.sqrt(f);
    }

    /** The sum of squares of {@code n} values, summed in order as ggml does. */
    static float sumOfSquares(float[] x, int xo, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xo + i] * x[xo + i];
        }
        return sum;
    }

    /**
     * ggml's weights of a super-block quantized with importance: {@code qw * sqrt(sigma2 + x^2)} per value,
     * and their sum per group.
     */
    static void importanceWeights(float[] x, int xo, float[] importance, int qo, float sigma2, int groups, int group,
                                  float[] weights, float[] groupSums) {
        for (int j = 0; j < groups; j++) {
            int g = xo + group * j;
            int q = qo + group * j;
            float sum = 0;
            for (int l = 0; l < group; l++) {
                float w = importance[q + l] * sqrtf(sigma2 + x[g + l] * x[g + l]);
                weights[group * j + l] = w;
                sum += w;
            }
            groupSums[j] = sum;
        }
    }

    /** ggml's weights of a super-block quantized without importance: the group's RMS plus the value's magnitude. */
    static void groupMagnitudeWeights(float[] x, int xo, int groups, int group, float[] weights) {
        for (int j = 0; j < groups; j++) {
            int g = xo + group * j;
            float rms = sqrtf(sumOfSquares(x, g, group) / 32);
            for (int l = 0; l < group; l++) {
                weights[group * j + l] = rms + Math.abs(x[g + l]);
            }
        }
    }

    /**
     * Whether {@link #makeQkx2QuantsGroups} runs eight groups per vector: the incubator module is
     * there (the JVM was started with {@code --add-modules jdk.incubator.vector}), the CPU has
     * eight-lane float vectors, and {@code -Dquantforge.kquant.scalar=true} does not ask otherwise.
     */
    static final boolean VECTOR_SEARCH = !Boolean.getBoolean("quantforge.kquant.scalar")
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && KQuantVectorMath.isAccelerated();

    /*
     * Values each search runs scalar first (see VectorSearchGate). Measured at 1 thread on 4096-value rows,
     * F32 MB/s scalar / vector: qkx2 (Q2_K, Q4_K, Q5_K) 45-54 / 160-207, qx (Q6_K) 109 / 410; q3 (the whole
     * Q3_K kernel, 4096 x 4096 N(0, 0.02)) 389 / 769. The vector warm-up (about 1 s of CPU) pays back
     * after roughly 20 M values for qkx2 and 45 M for qx; the thresholds are far below that, so a big user
     * loses little (about 0.1 s of CPU), while a tensor of a million values (output.weight of a small
     * vocabulary) never starts the warm-up. q3 started at 32 M values while its vector form boxed its sums
     * and gained little; at 4 M a 398 M parameter Q3_K_S file takes 0.3 s less (1 and 2 threads). A run that
     * announces more values than a threshold (the expect methods below) skips that search's scalar prelude: a
     * Q3_K_S file 0.13-0.23 s less.
     */
    private static final VectorSearchGate QKX2_GATE = VectorSearchGate.withDefault(2L << 20);
    private static final VectorSearchGate QX_GATE = VectorSearchGate.withDefault(4L << 20);
    private static final VectorSearchGate Q3_GATE = VectorSearchGate.withDefault(4L << 20);
    private static final VectorSearchGate REQUANTIZE_GATE = VectorSearchGate.withDefault(2L << 20);

    /*
     * A run's announced values (VectorSearchGate.expect) for each K type's search, and for the closing
     * requantization that every K type ends with.
     */
    static void expectQkx2Groups(long values) {
        QKX2_GATE.expect(values);
        REQUANTIZE_GATE.expect(values);
    }

    static void expectQxGroups(long values) {
        QX_GATE.expect(values);
        REQUANTIZE_GATE.expect(values);
    }

    static void expectQ3Groups(long values) {
        Q3_GATE.expect(values);
        REQUANTIZE_GATE.expect(values);
    }

    /**
     * Q3_K's and Q6_K's closing requantization against the scales as they decode: every group {@code j} of
     * {@code group} values from {@code x[xOffset]} whose scale {@code scales[j]} is not zero gets the levels
     * {@code max(-nmax, min(nmax - 1, nearest_int(x / scales[j]))) + nmax} at {@code levels[group * j..]}; the
     * others keep their search levels.
     */
    static void symmetricRequantize(float[] x, int xOffset, int group, float[] scales, int nmax, byte[] levels) {
        requantize(x, xOffset, group, scales, null, -nmax, nmax - 1, nmax, levels);
    }

    /**
     * Q2_K's, Q4_K's and Q5_K's closing requantization against the scales and minima as they decode: every group
     * {@code j} of {@code group} values from {@code x[xOffset]} whose scale {@code scales[j]} is not zero gets the
     * levels {@code max(0, min(maxLevel, nearest_int((x + mins[j]) / scales[j])))} at {@code levels[group * j..]};
     * the others keep their search levels.
     */
    static void offsetRequantize(float[] x, int xOffset, int group, float[] scales, float[] mins, int maxLevel,
                                 byte[] levels) {
        requantize(x, xOffset, group, scales, mins, 0, maxLevel, 0, levels);
    }

    /**
     * {@code max(low, min(high, nearest_int((x + mins[j]) / scales[j]))) + shift} for every group whose scale is not
     * zero; without minima, {@code x / scales[j]} (adding 0 would change no level: only -0 becomes +0, and both round
     * to 0). Eight values a step once it has seen a couple of million (the scalar code divides one at a time).
     */
    private static void requantize(float[] x, int xOffset, int group, float[] scales, float[] mins, int low,
                                   int high, int shift, byte[] levels) {
        if (VECTOR_SEARCH && group % KQuantVectorMath.LANES == 0 && REQUANTIZE_GATE.vector((long) group * scales.length)) {
            KQuantVectorMath.requantize(x, xOffset, group, scales, mins, low, high, shift, levels);
            return;
        }
        for (int j = 0; j < scales.length; j++) {
            float d = scales[j];
            if (d == 0) {
                continue;
            }
            int g = xOffset + group * j;
            for (int i = 0; i < group; i++) {
                float v = mins == null ? x[g + i] : x[g + i] + mins[j];
                levels[group * j + i] = (byte) (Math.max(low, Math.min(high, QuantMath.nearestInt(v / d))) + shift);
            }
        }
    }

    /** Floats of working space the group searches need for groups of {@code n} values. */
    static int qkx2WorkSize(int n) {
        return VECTOR_SEARCH ? KQuantVectorMath.workSize(n) : 0;
    }

    /**
     * ggml's make_qkx2_quants on {@code groups} consecutive groups of {@code n} values from
     * {@code x[xOffset]}: group g's weights are {@code weights[g*n..]}, its levels go to
     * {@code levels[g*n..]}, its scale to {@code scales[g]} and its {@code the_min} to {@code mins[g]}.
     * {@code levelsAux} holds {@code n} bytes, {@code work} {@link #qkx2WorkSize} floats.
     */
    static void makeQkx2QuantsGroups(int groups, int n, int nmax, float[] x, int xOffset, float[] weights,
                                     byte[] levels, float[] scales, float[] mins, byte[] levelsAux, float[] work,
                                     float rmin, float rdelta, int nstep, boolean useMad) {
        if (VECTOR_SEARCH && groups % KQuantVectorMath.LANES == 0 && QKX2_GATE.vector((long) groups * n)) {
            KQuantVectorMath.makeQkx2Quants(groups, n, nmax, x, xOffset, weights, levels, scales, mins, work, rmin,
                    rdelta, nstep, useMad);
            return;
        }
        for (int g = 0; g < groups; g++) {
            scales[g] = makeQkx2Quants(n, nmax, x, xOffset + g * n, weights, g * n, levels, g * n, mins, g, levelsAux,
                    rmin, rdelta, nstep, useMad);
        }
    }

    /**
     * ggml's make_qx_quants with {@code rmse_type} 1 on {@code groups} consecutive groups of {@code n}
     * values from {@code x[xOffset]}: group g's weights are {@code weights[weightsOffset + g*n..]} (null:
     * x²), its levels go to {@code levels[levelsOffset + g*n..]} and its scale to {@code scales[g]}.
     * {@code work} holds {@link #qkx2WorkSize} floats.
     */
    static void makeQxQuantsGroups(int groups, int n, int nmax, float[] x, int xOffset, float[] weights,
                                   int weightsOffset, byte[] levels, int levelsOffset, float[] scales, float[] work) {
        if (VECTOR_SEARCH && groups % KQuantVectorMath.LANES == 0 && QX_GATE.vector((long) groups * n)) {
            KQuantVectorMath.makeQxQuants(groups, n, nmax, x, xOffset, weights, weightsOffset, levels, levelsOffset,
                    scales, work);
            return;
        }
        for (int g = 0; g < groups; g++) {
            scales[g] = QuantMath.makeQxQuants(n, nmax, x, xOffset + g * n, levels, levelsOffset + g * n, 1, weights,
                    weightsOffset + g * n);
        }
    }

    /**
     * ggml's make_q3_quants with {@code do_rmse} on {@code groups} consecutive groups of {@code n} values
     * from {@code x[xOffset]}: group g's scale goes to {@code scales[g]}, its levels (plus nmax) to
     * {@code levels[g*n..]} or, when this returns true, into {@code laneLevels} ({@link #q3LaneLevelsSize}
     * floats), from which {@link #q3GroupLevels} takes a group's on demand: Q3_K requantizes every group whose
     * quantized scale is not zero, so it needs the search's levels of the few others only. {@code work} holds
     * {@link #qkx2WorkSize} floats.
     */
    static boolean makeQ3QuantsGroups(int groups, int n, int nmax, float[] x, int xOffset, byte[] levels,
                                      float[] laneLevels, float[] scales, float[] work) {
        if (VECTOR_SEARCH && groups % KQuantVectorMath.LANES == 0 && Q3_GATE.vector((long) groups * n)) {
            KQuantVectorMath.makeQ3Quants(groups, n, nmax, x, xOffset, laneLevels, scales, work);
            return true;
        }
        for (int g = 0; g < groups; g++) {
            scales[g] = makeQ3Quants(n, nmax, x, xOffset + g * n, levels, g * n);
        }
        return false;
    }

    /** Floats of {@code laneLevels} for {@link #makeQ3QuantsGroups} on {@code groups} groups of {@code n}. */
    static int q3LaneLevelsSize(int groups, int n) {
        return groups * (n + 1);
    }

    /** Group g's levels from a {@link #makeQ3QuantsGroups} that returned true, into {@code levels[g*n..]}. */
    static void q3GroupLevels(float[] laneLevels, int g, int n, int nmax, byte[] levels) {
        KQuantVectorMath.q3GroupLevels(laneLevels, g, n, nmax, levels);
    }

    /**
     * ggml's make_qkx2_quants for one group: as {@link QuantMath#makeQkx3Quants} with mandatory
     * weights, and a plain {@code max == min} test for flat groups. {@code the_min} goes to
     * {@code mins[minIndex]}.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xOffset, float[] weights, int weightsOffset,
                                byte[] levels, int levelsOffset, float[] mins, int minIndex, byte[] levelsAux,
                                float rmin, float rdelta, int nstep, boolean useMad) {
        float x0 = x[xOffset];
        float min = x0;
        float max = x0;
        float sumW = weights[weightsOffset];
        float sumX = sumW * x0;
        for (int i = 1; i < n; i++) {
            float xi = x[xOffset + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[weightsOffset + i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            mins[minIndex] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOffset + i];
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (xi - min))));
            levels[levelsOffset + i] = (byte) l;
            float diff = scale * l + min - xi;
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[weightsOffset + i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOffset + i];
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (xi - min))));
                levelsAux[i] = (byte) l;
                float w = weights[weightsOffset + i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * xi;
            }
            float d = sumW * sumL2 - sumL * sumL;
            if (d > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / d;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / d;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * levelsAux[i] + thisMin - x[xOffset + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += weights[weightsOffset + i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(levelsAux, 0, levels, levelsOffset, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIndex] = -min;
        return scale;
    }

    /**
     * ggml's make_q3_quants with {@code do_rmse} (the only way ggml calls it): symmetric levels
     * {@code 0..2*nmax-1} refined one value at a time, weighted by x².
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xOffset, byte[] levels, int levelsOffset) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOffset + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOffset + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOffset + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[levelsOffset + i] = (byte) l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOffset + i];
                int li = levels[levelsOffset + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[levelsOffset + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[levelsOffset + i] += (byte) nmax;
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /**
     * ggml's make_qp_quants: non-negative levels {@code 0..nmax} for the sub-block scales or mins of
     * a weighted super-block. Levels are uint8 in ggml and negative inputs wrap there, so they are
     * read back unsigned here.
     */
    static float makeQpQuants(int n, int nmax, float[] x, byte[] levels, float[] weights) {
        float max = 0;
        for (int i = 0; i < n; i++) {
            max = max > x[i] ? max : x[i];
        }
        if (max < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[i] = 0;
            }
            return 0f;
        }
        float iscale = nmax / max;
        for (int i = 0; i < n; i++) {
            levels[i] = (byte) nearestInt(iscale * x[i]);
        }
        float scale = 1 / iscale;
        float bestMse = 0;
        for (int i = 0; i < n; i++) {
            float diff = x[i] - scale * (levels[i] & 0xFF);
            bestMse += weights[i] * diff * diff;
        }
        for (int is = -4; is <= 4; is++) {
            if (is == 0) {
                continue;
            }
            float iscaleIs = (0.1f * is + nmax) / max;
            float scaleIs = 1 / iscaleIs;
            float mse = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.min(nmax, nearestInt(iscaleIs * x[i]));
                float diff = x[i] - scaleIs * l;
                mse += weights[i] * diff * diff;
            }
            if (mse < bestMse) {
                bestMse = mse;
                iscale = iscaleIs;
            }
        }
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.min(nmax, nearestInt(iscale * x[i]));
            levels[i] = (byte) l;
            float w = weights[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = weights[i];
                int li = levels[i] & 0xFF;
                float slx = sumlx - w * x[i] * li;
                float sl2 = suml2 - w * li * li;
                if (slx > 0 && sl2 > 0) {
                    int newL = Math.min(nmax, nearestInt(x[i] * sl2 / slx));
                    if (newL != li) {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /**
     * Stores sub-block {@code j}'s 6-bit scale and min in the 12-byte layout shared by Q4_K and Q5_K
     * (ggml's inverse of get_scale_min_k4). Sub-blocks 0..3 must be stored before 4..7; bits that do
     * not fit a byte are dropped, as in ggml's uint8 stores.
     */
    static void putScaleMinK4(byte[] scales, int offset, int j, int ls, int lm) {
        if (j < 4) {
            scales[offset + j] = (byte) ls;
            scales[offset + j + 4] = (byte) lm;
        } else {
            scales[offset + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
            scales[offset + j - 4] |= (byte) (((ls & 0xFF) >> 4) << 6);
            scales[offset + j] |= (byte) (((lm & 0xFF) >> 4) << 6);
        }
    }

    /** Sub-block {@code j}'s 6-bit scale in the Q4_K/Q5_K layout (ggml's get_scale_min_k4). */
    static int scaleK4(byte[] scales, int offset, int j) {
        if (j < 4) {
            return scales[offset + j] & 63;
        }
        return (scales[offset + j + 4] & 0xF) | (((scales[offset + j - 4] & 0xFF) >> 6) << 4);
    }

    /** Sub-block {@code j}'s 6-bit min in the Q4_K/Q5_K layout (ggml's get_scale_min_k4). */
    static int minK4(byte[] scales, int offset, int j) {
        if (j < 4) {
            return scales[offset + j + 4] & 63;
        }
        return ((scales[offset + j + 4] & 0xFF) >> 4) | (((scales[offset + j] & 0xFF) >> 6) << 4);
    }
}
