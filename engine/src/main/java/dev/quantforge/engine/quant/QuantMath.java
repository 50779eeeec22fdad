package dev.quantforge.engine.quant;

/**
 * ggml's shared scale searches ({@code nearest_int}, {@code make_qx_quants}, {@code make_qkx3_quants}),
 * kept to C's float32 arithmetic step by step: every product and sum is rounded on its own, in C's order.
 */
final class QuantMath {
    /** 1.5 * 2^23: adding it leaves the rounded integer in the low mantissa bits. */
    private static final float ROUNDING_BIAS = 12582912f;
    /** ggml's GROUP_MAX_EPS: below this a group counts as all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private QuantMath() {
    }

    /** ggml's {@code nearest_int}: rounds half to even through the float adder; exact for |f| <= 4194303. */
    static int nearestInt(float f) {
        float biased = f + ROUNDING_BIAS;
        return (Float.floatToRawIntBits(biased) & 0x007FFFFF) - 0x00400000;
    }

    /**
     * ggml's {@code make_qx_quants}: a symmetric scale for {@code n} values and their levels
     * {@code 0 .. 2*nmax-1} (stored as level + nmax). {@code weights} null means ggml's
     * {@code rmseType}-selected weighting of the values themselves.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xOffset, byte[] levels, int levelsOffset, int rmseType,
                              float[] weights, int weightsOffset) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            float ax = Math.abs(v);
            if (ax > amax) {
                amax = ax;
                max = v;
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0) {
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * x[xOffset + i]);
                levels[levelsOffset + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
            }
            return 1 / iscale;
        }
        boolean returnEarly = false;
        if (rmseType < 0) {
            rmseType = -rmseType;
            returnEarly = true;
        }
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            int l = nearestInt(iscale * v);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            levels[levelsOffset + i] = (byte) (l + nmax);
            float w = weight(rmseType, weights, weightsOffset + i, v);
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) {
            return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }
        float best = scale * sumlx;
        // The 18 trial scales do not depend on each other: two at a time keep four sums in flight
        // instead of waiting on each float add. Each sum still adds in C's order, and the trials are
        // judged in C's order; only the last accepted trial's levels are written, as C leaves them.
        float acceptedIscale = 0;
        boolean accepted = false;
        for (int k = 0; k < 18; k += 2) {
            float iscaleA = -(nmax + 0.1f * trialStep(k)) / max;
            float iscaleB = -(nmax + 0.1f * trialStep(k + 1)) / max;
            float sumlxA = 0;
            float suml2A = 0;
            float sumlxB = 0;
            float suml2B = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xOffset + i];
                float w = weight(rmseType, weights, weightsOffset + i, v);
                int la = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscaleA * v)));
                int lb = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscaleB * v)));
                sumlxA += w * v * la;
                suml2A += w * la * la;
                sumlxB += w * v * lb;
                suml2B += w * lb * lb;
            }
            if (suml2A > 0 && sumlxA * sumlxA > best * suml2A) {
                scale = sumlxA / suml2A;
                best = scale * sumlxA;
                acceptedIscale = iscaleA;
                accepted = true;
            }
            if (suml2B > 0 && sumlxB * sumlxB > best * suml2B) {
                scale = sumlxB / suml2B;
                best = scale * sumlxB;
                acceptedIscale = iscaleB;
                accepted = true;
            }
        }
        if (accepted) {
            for (int i = 0; i < n; i++) {
                int l = nearestInt(acceptedIscale * x[xOffset + i]);
                levels[levelsOffset + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
            }
        }
        return scale;
    }

    /** The k-th of make_qx_quants' trial steps -9..-1, 1..9. */
    private static int trialStep(int k) {
        return k < 9 ? k - 9 : k - 8;
    }

    private static float weight(int rmseType, float[] weights, int index, float v) {
        if (weights != null) {
            return weights[index];
        }
        switch (rmseType) {
            case 1:
                return v * v;
            case 2:
                return 1;
            case 3:
                return fabsf(v);
            default:
                return (float) Math.sqrt(fabsf(v)); // sqrtf: the double root rounds to the correct float
        }
    }

    /** C's fabsf: clears the sign of NaN too, which Java 17's interpreted Math.abs does not. */
    private static float fabsf(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0x7FFFFFFF);
    }

    /**
     * ggml's {@code make_qkx3_quants}: an asymmetric scale and minimum for {@code n} values with levels
     * {@code 0 .. nmax}, searched over {@code nstep + 1} candidate scales. {@code weights} null weighs
     * each value by its square. Returns the scale; {@code minOut[0]} receives ggml's {@code the_min}
     * (the negated offset). {@code levelsAux} is scratch of at least {@code n} bytes.
     */
    static float makeQkx3Quants(int n, int nmax, float[] x, int xOffset, float[] weights, int weightsOffset,
                                byte[] levels, int levelsOffset, float[] minOut, byte[] levelsAux,
                                float rmin, float rdelta, int nstep, boolean useMad) {
        float x0 = x[xOffset];
        float min = x0;
        float max = x0;
        float sumW = weights != null ? weights[weightsOffset] : x0 * x0;
        float sumX = sumW * x0;
        for (int i = 1; i < n; i++) {
            float v = x[xOffset + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights != null ? weights[weightsOffset + i] : v * v;
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max <= min) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            minOut[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (v - min))));
            levels[levelsOffset + i] = (byte) l;
            float diff = scale * l + min - v;
            diff = useMad ? Math.abs(diff) : diff * diff;
            float w = weights != null ? weights[weightsOffset + i] : v * v;
            bestMad += w * diff;
        }
        if (nstep < 1) {
            minOut[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xOffset + i];
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (v - min))));
                levelsAux[i] = (byte) l;
                float w = weights != null ? weights[weightsOffset + i] : v * v;
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * v;
            }
            float d = sumW * sumL2 - sumL * sumL;
            if (d > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / d;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / d;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float v = x[xOffset + i];
                    float diff = thisScale * (levelsAux[i] & 0xFF) + thisMin - v;
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    float w = weights != null ? weights[weightsOffset + i] : v * v;
                    mad += w * diff;
                }
                if (mad < bestMad) {
                    System.arraycopy(levelsAux, 0, levels, levelsOffset, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }
}
