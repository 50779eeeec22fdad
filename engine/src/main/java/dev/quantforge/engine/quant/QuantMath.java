package dev.quantforge.engine.quant;

/**
 * ggml's shared scale searches ({@code ggml-quants.c}), bit-exact: float32 arithmetic with every
 * multiply and add rounded on its own, in C's evaluation order and with C's integer conversions.
 * Levels are written to byte arrays as ggml writes them to {@code int8_t}/{@code uint8_t} arrays,
 * wrapping when a value does not fit.
 */
final class QuantMath {
    /** ggml's GROUP_MAX_EPS: groups whose largest magnitude is below it count as all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private QuantMath() {
    }

    /**
     * ggml's nearest_int: adding 1.5·2^23 leaves the rounded integer (ties to even) in the low
     * mantissa bits. Reproduced literally so that out-of-range inputs give ggml's result too.
     */
    static int nearestInt(float f) {
        return (Float.floatToRawIntBits(f + 12582912f) & 0x007fffff) - 0x00400000;
    }

    /** C's {@code sqrtf}: the double square root of a float rounds to the correctly rounded float result. */
    private static float sqrtf(float f) {
        return (float) Math.sqrt(f);
    }

    /**
     * ggml's make_qx_quants: symmetric levels {@code 0..2*nmax-1} (stored with the offset nmax) and
     * their scale, searched over 19 candidate scales. {@code weights} may be null, in which case
     * {@code rmseType} chooses the weighting; a negative {@code rmseType} returns after the first fit.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xOffset, byte[] levels, int levelsOffset, int rmseType,
                              float[] weights, int weightsOffset) {
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
            float xi = x[xOffset + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            levels[levelsOffset + i] = (byte) (l + nmax);
            float w = weights != null ? weights[weightsOffset + i] : qxWeight(rmseType, xi);
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) {
            return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOffset + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = weights != null ? weights[weightsOffset + i] : qxWeight(rmseType, xi);
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xOffset + i]);
                    levels[levelsOffset + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static float qxWeight(int rmseType, float x) {
        switch (rmseType) {
            case 1:
                return x * x;
            case 2:
                return 1;
            case 3:
                return Math.abs(x);
            default:
                return sqrtf(Math.abs(x));
        }
    }

    /**
     * ggml's make_qkx3_quants: levels {@code 0..nmax} with a scale and a non-positive offset, searched
     * over {@code nstep + 1} candidate scales. {@code weights} may be null (then x² weighs each value);
     * {@code minOut[0]} receives ggml's {@code the_min} (the negated offset).
     */
    static float makeQkx3Quants(int n, int nmax, float[] x, int xOffset, float[] weights, int weightsOffset,
                                byte[] levels, int levelsOffset, float[] minOut, byte[] levelsAux, float rmin,
                                float rdelta, int nstep, boolean useMad) {
        float x0 = x[xOffset];
        float min = x0;
        float max = x0;
        float sumW = weights != null ? weights[weightsOffset] : x0 * x0;
        float sumX = sumW * x0;
        for (int i = 1; i < n; i++) {
            float xi = x[xOffset + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights != null ? weights[weightsOffset + i] : xi * xi;
            sumW += w;
            sumX += w * xi;
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
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOffset + i];
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (xi - min))));
            levels[levelsOffset + i] = (byte) l;
            float diff = scale * l + min - xi;
            diff = useMad ? Math.abs(diff) : diff * diff;
            float w = weights != null ? weights[weightsOffset + i] : xi * xi;
            bestError += w * diff;
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
                float xi = x[xOffset + i];
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (xi - min))));
                levelsAux[i] = (byte) l;
                float w = weights != null ? weights[weightsOffset + i] : xi * xi;
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
                    float xi = x[xOffset + i];
                    float diff = thisScale * levelsAux[i] + thisMin - xi;
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    float w = weights != null ? weights[weightsOffset + i] : xi * xi;
                    error += w * diff;
                }
                if (error < bestError) {
                    System.arraycopy(levelsAux, 0, levels, levelsOffset, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }
}
