package dev.quantforge.engine.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantMath#makeQkx2Quants}, {@link KQuantMath#makeQ3Quants} and {@link QuantMath#makeQxQuants}
 * (with {@code rmse_type} 1) for eight groups at once, one group per vector lane. Each lane
 * performs exactly the scalar sequence of float32 operations (the Vector API rounds every lane-wise
 * add, multiply and divide on its own and never fuses them), so results are bit-identical; only
 * the groups run side by side. Load this class only when {@code jdk.incubator.vector} is present.
 */
final class KQuantVectorMath {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8));
    static final int LANES = FLOATS.length();
    private static final float ROUNDING_BIAS = 12582912f;
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantVectorMath() {
    }

    /** True where eight-lane float vectors run as machine instructions, not as a slow emulation. */
    static boolean isAccelerated() {
        return FloatVector.SPECIES_PREFERRED.length() >= LANES;
    }

    /** Floats of working space either search needs for groups of {@code n} values. */
    static int workSize(int n) {
        return 4 * n * LANES + STATE_SLOTS * LANES;
    }

    /*
     * Why make_qx_quants keeps its running state (scale, best fit, max, amax) in work[] and not in local
     * vectors: a vector changed under a condition inside a loop meets its old value in a phi, and Java 17's
     * C2 then boxes it, allocating an object and an array per vector per pass. Stored and reloaded, each
     * vector lives within one straight stretch of code and stays in a register: Q6_K at 1 thread went from
     * about 40 young collections per 32 MB of input to none, and 20-25 % faster. The qkx2 search keeps its
     * state there too, between stages of its own (below); in one method the same change boxed its inner loops.
     */
    private static final int STATE_SLOTS = 8;

    /**
     * ggml's make_qkx2_quants on {@code groups} (a multiple of eight) consecutive groups of {@code n}
     * values from {@code x[xOffset]}; {@code weights}, {@code levels}, {@code scales} and
     * {@code mins} are indexed from 0 in the same group order.
     */
    static void makeQkx2Quants(int groups, int n, int nmax, float[] x, int xOffset, float[] weights, byte[] levels,
                               float[] scales, float[] mins, float[] work, float rmin, float rdelta, int nstep,
                               boolean useMad) {
        for (int g = 0; g < groups; g += LANES) {
            qkx2Lanes(g, n, nmax, x, xOffset, weights, levels, scales, mins, work, rmin, rdelta, nstep, useMad);
        }
    }

    /*
     * The qkx2 search is split in stages that take and return no vector, each keeping what the next needs in the
     * state slots of work[]. As one method it grew past C2's node-count cutoff: C2 then stopped inlining the Vector
     * API's own methods (AbstractMask.andNot, the level store) and boxed vectors on every step of the search, about
     * 38 bytes allocated per quantized value in Q2_K. Each stage is small enough to be compiled whole.
     */
    private static final int MIN_AT = 0;
    private static final int MAX_AT = 1;
    private static final int SUM_W_AT = 2;
    private static final int SUM_X_AT = 3;
    private static final int SCALE_AT = 4;
    private static final int BEST_ERROR_AT = 5;
    private static final int FLAT_MIN_AT = 6;
    private static final int FLAT_AT = 7;

    private static void qkx2Lanes(int firstGroup, int n, int nmax, float[] x, int xOffset, float[] weights,
                                    byte[] levels, float[] scales, float[] mins, float[] work, float rmin,
                                    float rdelta, int nstep, boolean useMad) {
        // work holds four n x LANES tables, value i of every group side by side: x, weights, best and candidate
        // levels; then the state slots, LANES floats each
        int ws = n * LANES;
        int state = 4 * n * LANES;
        for (int lane = 0; lane < LANES; lane++) {
            int group = firstGroup + lane;
            for (int i = 0; i < n; i++) {
                work[i * LANES + lane] = x[xOffset + group * n + i];
                work[ws + i * LANES + lane] = weights[group * n + i];
            }
        }
        qkx2Extremes(n, nmax, work, state, useMad);
        for (int is = 0; is <= nstep; is++) {
            qkx2Step(n, nmax, rmin + rdelta * is + nmax, work, state, useMad);
        }
        qkx2Store(firstGroup, n, work, state, levels, scales, mins);
    }

    private static int slot(int state, int which) {
        return state + which * LANES;
    }

    /** The groups' extremes and sums, and the first fit: levels from max - min, its scale and error. */
    private static void qkx2Extremes(int n, int nmax, float[] work, int state, boolean useMad) {
        int ws = n * LANES;
        int best = 2 * n * LANES;
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector x0 = FloatVector.fromArray(FLOATS, work, 0);
        FloatVector min = x0;
        FloatVector max = x0;
        FloatVector sumW = FloatVector.fromArray(FLOATS, work, ws);
        FloatVector sumX = sumW.mul(x0);
        for (int i = 1; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, i * LANES);
            min = min.blend(xi, xi.compare(VectorOperators.LT, min));
            max = max.blend(xi, xi.compare(VectorOperators.GT, max));
            FloatVector w = FloatVector.fromArray(FLOATS, work, ws + i * LANES);
            sumW = sumW.add(w);
            sumX = sumX.add(w.mul(xi));
        }
        min = min.blend(zero, min.compare(VectorOperators.GT, zero));
        // flat groups end here in ggml: all levels 0, scale 0, the_min = -min
        zero.blend(1f, max.compare(VectorOperators.EQ, min)).intoArray(work, slot(state, FLAT_AT));
        min.intoArray(work, slot(state, FLAT_MIN_AT));
        FloatVector iscale = FloatVector.broadcast(FLOATS, (float) nmax).div(max.sub(min));
        FloatVector scale = FloatVector.broadcast(FLOATS, 1f).div(iscale);
        FloatVector bestError = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, i * LANES);
            FloatVector l = level(iscale, xi, min, nmax);
            l.intoArray(work, best + i * LANES);
            FloatVector diff = scale.mul(l).add(min).sub(xi);
            diff = useMad ? diff.abs() : diff.mul(diff);
            bestError = bestError.add(FloatVector.fromArray(FLOATS, work, ws + i * LANES).mul(diff));
        }
        min.intoArray(work, slot(state, MIN_AT));
        max.intoArray(work, slot(state, MAX_AT));
        sumW.intoArray(work, slot(state, SUM_W_AT));
        sumX.intoArray(work, slot(state, SUM_X_AT));
        scale.intoArray(work, slot(state, SCALE_AT));
        bestError.intoArray(work, slot(state, BEST_ERROR_AT));
    }

    /** One step of the search: the levels for {@code numerator / (max - min)}, kept by the lanes they fit better. */
    private static void qkx2Step(int n, int nmax, float numerator, float[] work, int state, boolean useMad) {
        int ws = n * LANES;
        int best = 2 * n * LANES;
        int candidate = 3 * n * LANES;
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector min = FloatVector.fromArray(FLOATS, work, slot(state, MIN_AT));
        // range is not max - min any more once a lane has taken a new min, so recompute it
        FloatVector iscale = FloatVector.broadcast(FLOATS, numerator)
                .div(FloatVector.fromArray(FLOATS, work, slot(state, MAX_AT)).sub(min));
        FloatVector sumL = zero;
        FloatVector sumL2 = zero;
        FloatVector sumXL = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, i * LANES);
            FloatVector l = level(iscale, xi, min, nmax);
            l.intoArray(work, candidate + i * LANES);
            FloatVector wl = FloatVector.fromArray(FLOATS, work, ws + i * LANES).mul(l);
            sumL = sumL.add(wl);
            sumL2 = sumL2.add(wl.mul(l));
            sumXL = sumXL.add(wl.mul(xi));
        }
        FloatVector sumW = FloatVector.fromArray(FLOATS, work, slot(state, SUM_W_AT));
        FloatVector sumX = FloatVector.fromArray(FLOATS, work, slot(state, SUM_X_AT));
        FloatVector d = sumW.mul(sumL2).sub(sumL.mul(sumL));
        VectorMask<Float> solvable = d.compare(VectorOperators.GT, zero)
                .and(FloatVector.fromArray(FLOATS, work, slot(state, FLAT_AT)).compare(VectorOperators.EQ, zero));
        if (!solvable.anyTrue()) {
            return;
        }
        FloatVector thisScale = sumW.mul(sumXL).sub(sumX.mul(sumL)).div(d);
        FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXL)).div(d);
        VectorMask<Float> positiveMin = thisMin.compare(VectorOperators.GT, zero);
        thisMin = thisMin.blend(zero, positiveMin);
        thisScale = thisScale.blend(sumXL.div(sumL2), positiveMin);
        FloatVector error = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, i * LANES);
            FloatVector l = FloatVector.fromArray(FLOATS, work, candidate + i * LANES);
            FloatVector diff = thisScale.mul(l).add(thisMin).sub(xi);
            diff = useMad ? diff.abs() : diff.mul(diff);
            error = error.add(FloatVector.fromArray(FLOATS, work, ws + i * LANES).mul(diff));
        }
        FloatVector bestError = FloatVector.fromArray(FLOATS, work, slot(state, BEST_ERROR_AT));
        VectorMask<Float> better = error.compare(VectorOperators.LT, bestError).and(solvable);
        if (!better.anyTrue()) {
            return;
        }
        for (int i = 0; i < n; i++) {
            FloatVector kept = FloatVector.fromArray(FLOATS, work, best + i * LANES);
            kept.blend(FloatVector.fromArray(FLOATS, work, candidate + i * LANES), better)
                    .intoArray(work, best + i * LANES);
        }
        bestError.blend(error, better).intoArray(work, slot(state, BEST_ERROR_AT));
        FloatVector.fromArray(FLOATS, work, slot(state, SCALE_AT)).blend(thisScale, better)
                .intoArray(work, slot(state, SCALE_AT));
        min.blend(thisMin, better).intoArray(work, slot(state, MIN_AT));
    }

    /** The groups' scales, mins and levels, flat groups as ggml leaves them. */
    private static void qkx2Store(int firstGroup, int n, float[] work, int state, byte[] levels, float[] scales,
                                  float[] mins) {
        FloatVector zero = FloatVector.zero(FLOATS);
        VectorMask<Float> flat = FloatVector.fromArray(FLOATS, work, slot(state, FLAT_AT))
                .compare(VectorOperators.NE, zero);
        FloatVector.fromArray(FLOATS, work, slot(state, SCALE_AT)).blend(zero, flat).intoArray(scales, firstGroup);
        FloatVector.fromArray(FLOATS, work, slot(state, MIN_AT))
                .blend(FloatVector.fromArray(FLOATS, work, slot(state, FLAT_MIN_AT)), flat).neg()
                .intoArray(mins, firstGroup);
        storeLevels(firstGroup, n, 0, work, slot(state, FLAT_AT), 2 * n * LANES, levels, 0);
    }

    /**
     * ggml's make_qx_quants with {@code rmse_type} 1 on {@code groups} (a multiple of eight)
     * consecutive groups of {@code n} values from {@code x[xOffset]}: weights from
     * {@code weights[weightsOffset..]} in the same layout, or x² when {@code weights} is null; group g's
     * levels go to {@code levels[levelsOffset + g*n..]} and its scale to {@code scales[g]}.
     */
    static void makeQxQuants(int groups, int n, int nmax, float[] x, int xOffset, float[] weights, int weightsOffset,
                             byte[] levels, int levelsOffset, float[] scales, float[] work) {
        for (int g = 0; g < groups; g += LANES) {
            qxLanes(g, n, nmax, x, xOffset, weights, weightsOffset, levels, levelsOffset, scales, work);
        }
    }

    private static void qxLanes(int firstGroup, int n, int nmax, float[] x, int xOffset, float[] weights,
                                int weightsOffset, byte[] levels, int levelsOffset, float[] scales, float[] work) {
        int xs = 0;
        int ws = n * LANES;
        int best = 2 * n * LANES;
        int candidate = 3 * n * LANES;
        int scaleAt = 4 * n * LANES;
        int bestFitAt = scaleAt + LANES;
        int maxAt = bestFitAt + LANES;
        int amaxAt = maxAt + LANES;
        int allZeroAt = amaxAt + LANES;
        for (int lane = 0; lane < LANES; lane++) {
            int group = firstGroup + lane;
            for (int i = 0; i < n; i++) {
                float xi = x[xOffset + group * n + i];
                work[xs + i * LANES + lane] = xi;
                work[ws + i * LANES + lane] = weights != null ? weights[weightsOffset + group * n + i] : xi * xi;
            }
        }
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector max = zero;
        FloatVector amax = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
            VectorMask<Float> larger = xi.abs().compare(VectorOperators.GT, amax);
            amax = amax.blend(xi.abs(), larger);
            max = max.blend(xi, larger);
        }
        max.intoArray(work, maxAt);
        amax.intoArray(work, amaxAt);
        // all-zero groups (amax < GROUP_MAX_EPS) end here in ggml: all levels 0, scale 0
        FloatVector iscale = FloatVector.broadcast(FLOATS, (float) -nmax).div(max);
        FloatVector sumlx = zero;
        FloatVector suml2 = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
            FloatVector l = symmetricLevel(iscale, xi, nmax);
            l.intoArray(work, best + i * LANES);
            FloatVector w = FloatVector.fromArray(FLOATS, work, ws + i * LANES);
            sumlx = sumlx.add(w.mul(xi).mul(l));
            suml2 = suml2.add(w.mul(l).mul(l));
        }
        FloatVector scale = zero.blend(sumlx.div(suml2), suml2.compare(VectorOperators.NE, zero));
        scale.intoArray(work, scaleAt);
        scale.mul(sumlx).intoArray(work, bestFitAt);
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            FloatVector stepIscale = FloatVector.broadcast(FLOATS, -(nmax + 0.1f * is))
                    .div(FloatVector.fromArray(FLOATS, work, maxAt));
            FloatVector stepSumlx = FloatVector.zero(FLOATS);
            FloatVector stepSuml2 = FloatVector.zero(FLOATS);
            for (int i = 0; i < n; i++) {
                FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
                FloatVector l = symmetricLevel(stepIscale, xi, nmax);
                l.intoArray(work, candidate + i * LANES);
                FloatVector w = FloatVector.fromArray(FLOATS, work, ws + i * LANES);
                stepSumlx = stepSumlx.add(w.mul(xi).mul(l));
                stepSuml2 = stepSuml2.add(w.mul(l).mul(l));
            }
            FloatVector bestFit = FloatVector.fromArray(FLOATS, work, bestFitAt);
            // amax >= GROUP_MAX_EPS is exactly "not all zero": amax is never NaN (a NaN is never larger)
            VectorMask<Float> better = stepSuml2.compare(VectorOperators.GT, 0f)
                    .and(stepSumlx.mul(stepSumlx).compare(VectorOperators.GT, bestFit.mul(stepSuml2)))
                    .and(FloatVector.fromArray(FLOATS, work, amaxAt).compare(VectorOperators.GE, GROUP_MAX_EPS));
            if (better.anyTrue()) {
                for (int i = 0; i < n; i++) {
                    FloatVector kept = FloatVector.fromArray(FLOATS, work, best + i * LANES);
                    kept.blend(FloatVector.fromArray(FLOATS, work, candidate + i * LANES), better)
                            .intoArray(work, best + i * LANES);
                }
                FloatVector thisScale = stepSumlx.div(stepSuml2);
                FloatVector.fromArray(FLOATS, work, scaleAt).blend(thisScale, better).intoArray(work, scaleAt);
                bestFit.blend(thisScale.mul(stepSumlx), better).intoArray(work, bestFitAt);
            }
        }
        VectorMask<Float> allZero = FloatVector.fromArray(FLOATS, work, amaxAt)
                .compare(VectorOperators.LT, GROUP_MAX_EPS);
        FloatVector.fromArray(FLOATS, work, scaleAt).blend(FloatVector.zero(FLOATS), allZero)
                .intoArray(scales, firstGroup);
        FloatVector.zero(FLOATS).blend(1f, allZero).intoArray(work, allZeroAt);
        storeLevels(firstGroup, n, nmax, work, allZeroAt, best, levels, levelsOffset);
    }

    /**
     * ggml's make_q3_quants with {@code do_rmse} on {@code groups} (a multiple of eight) consecutive
     * groups of {@code n} values from {@code x[xOffset]}; group g's scale goes to {@code scales[g]}, its levels
     * into {@code laneLevels} as the lanes hold them (taken out by {@link #q3GroupLevels}).
     */
    static void makeQ3Quants(int groups, int n, int nmax, float[] x, int xOffset, float[] laneLevels, float[] scales,
                             float[] work) {
        for (int g = 0; g < groups; g += LANES) {
            q3Lanes(g, n, nmax, x, xOffset, laneLevels, scales, work);
        }
    }

    /**
     * Group g's levels plus nmax from {@code laneLevels} into {@code levels[g*n..]}: per set of eight groups, n rows
     * of a level per lane, then a row of all-zero flags (ggml leaves those groups with level 0 throughout).
     */
    static void q3GroupLevels(float[] laneLevels, int g, int n, int nmax, byte[] levels) {
        int set = q3Set(g, n);
        int lane = g % LANES;
        boolean zeroed = laneLevels[set + n * LANES + lane] != 0;
        for (int i = 0; i < n; i++) {
            levels[g * n + i] = zeroed ? 0 : (byte) ((int) laneLevels[set + i * LANES + lane] + nmax);
        }
    }

    /** Where the set of eight groups from group {@code g} keeps its levels and all-zero flags in laneLevels. */
    private static int q3Set(int g, int n) {
        return g / LANES * (n + 1) * LANES;
    }

    /*
     * q3Lanes works in three methods that pass no vector between them (their state is in work[] and, for the levels,
     * in laneLevels): in one method C2 ran out of its inlining budget for some compilations of it, and the Vector API
     * calls it left out of line ran their Java fallback, allocating. The state in work[]: three n x LANES tables
     * (q3Table), x and each value's terms of the sums at its level, w·x·l and w·l·l (w = x², the products in ggml's
     * order); then a row of LANES each (q3Row) for the sums of l·w·x and of l²·w.
     */
    private static final int Q3_X = 0;
    private static final int Q3_WXL = 1;
    private static final int Q3_WLL = 2;
    private static final int Q3_SUMLX = 0;
    private static final int Q3_SUML2 = 1;

    private static int q3Table(int n, int table) {
        return table * n * LANES;
    }

    private static int q3Row(int n, int row) {
        return (3 * n + row) * LANES;
    }

    private static void q3Lanes(int firstGroup, int n, int nmax, float[] x, int xOffset, float[] laneLevels,
                                float[] scales, float[] work) {
        int ls = q3Set(firstGroup, n);
        q3Start(firstGroup, n, nmax, x, xOffset, work, laneLevels, ls);
        // a lane whose pass changes nothing would change nothing in later passes either, so running
        // every lane until no lane changes matches ggml stopping each group on its own
        for (int attempt = 0, lastChange = n - 1; attempt < 5 && lastChange >= 0; attempt++) {
            lastChange = q3Pass(n, nmax, work, laneLevels, ls, lastChange);
        }
        q3Finish(firstGroup, n, work, laneLevels, ls, scales);
    }

    private static void q3Start(int firstGroup, int n, int nmax, float[] x, int xOffset, float[] work,
                                float[] levels, int ls) {
        int xs = q3Table(n, Q3_X);
        // the groups go into lanes by a scalar transposition, 128 stores of 4 bytes read back as vectors: with the
        // search's passes cut short, eight-lane gathers (fromArray with an index map) made the whole Q3_K kernel 13 %
        // slower on an AMD EPYC (docs/benchmark.md), though they had measured a little faster before
        int first = xOffset + firstGroup * n;
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector max = zero;
        FloatVector amax = zero;
        for (int lane = 0; lane < LANES; lane++) {
            for (int i = 0; i < n; i++) {
                work[xs + i * LANES + lane] = x[first + lane * n + i];
            }
        }
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
            VectorMask<Float> larger = xi.abs().compare(VectorOperators.GT, amax);
            amax = amax.blend(xi.abs(), larger);
            max = max.blend(xi, larger);
        }
        // all-zero groups end here in ggml: all levels 0 (without the nmax offset), scale 0; the flags are kept after
        // the levels for q3GroupLevels
        zero.blend(1f, amax.compare(VectorOperators.LT, GROUP_MAX_EPS)).intoArray(levels, ls + n * LANES);
        FloatVector iscale = FloatVector.broadcast(FLOATS, (float) -nmax).div(max);
        int wxls = q3Table(n, Q3_WXL);
        int wlls = q3Table(n, Q3_WLL);
        FloatVector sumlx = zero;
        FloatVector suml2 = zero;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
            FloatVector l = symmetricLevel(iscale, xi, nmax);
            l.intoArray(levels, ls + i * LANES);
            FloatVector w = xi.mul(xi);
            FloatVector wxl = w.mul(xi).mul(l);
            wxl.intoArray(work, wxls + i * LANES);
            sumlx = sumlx.add(wxl);
            FloatVector wll = w.mul(l).mul(l);
            wll.intoArray(work, wlls + i * LANES);
            suml2 = suml2.add(wll);
        }
        // the sums live in work[] from here on: changed under a condition in the loop, as local vectors they would
        // meet their old values in a phi, which C2 boxes (4.5 GB allocated in one Q3_K_M run, about 2 GB/s)
        sumlx.intoArray(work, q3Row(n, Q3_SUMLX));
        suml2.intoArray(work, q3Row(n, Q3_SUML2));
    }

    /**
     * One of ggml's passes over every lane's group: the value where a lane last took a new level, or -1 if none did.
     * A value after {@code stable} (the previous pass's last change) is judged on the same sums and level as in the
     * previous pass as long as this pass has changed nothing, so it would change nothing again: the pass ends there.
     */
    private static int q3Pass(int n, int nmax, float[] work, float[] levels, int ls, int stable) {
        int xs = q3Table(n, Q3_X);
        int wxls = q3Table(n, Q3_WXL);
        int wlls = q3Table(n, Q3_WLL);
        int sumlxAt = q3Row(n, Q3_SUMLX);
        int suml2At = q3Row(n, Q3_SUML2);
        FloatVector zero = FloatVector.zero(FLOATS);
        int lastChange = -1; // a number, not a mask carried round the loop (which C2 may box)
        for (int i = 0; i < n && (i <= stable || lastChange >= 0); i++) {
            // ggml's w·x·l and w·l·l of the value's current level are kept (wxl, wll), not taken again each pass
            FloatVector keptSumlx = FloatVector.fromArray(FLOATS, work, sumlxAt);
            FloatVector slx = keptSumlx.sub(FloatVector.fromArray(FLOATS, work, wxls + i * LANES));
            VectorMask<Float> positive = slx.compare(VectorOperators.GT, zero);
            FloatVector keptSuml2 = FloatVector.fromArray(FLOATS, work, suml2At);
            FloatVector sl2 = keptSuml2.sub(FloatVector.fromArray(FLOATS, work, wlls + i * LANES));
            FloatVector xi = FloatVector.fromArray(FLOATS, work, xs + i * LANES);
            IntVector bits = xi.mul(sl2).div(slx).add(ROUNDING_BIAS).reinterpretAsInts();
            FloatVector newL = (FloatVector) bits.and(0x007fffff).sub(0x00400000).min(nmax - 1).max(-nmax)
                    .convert(VectorOperators.I2F, 0);
            FloatVector li = FloatVector.fromArray(FLOATS, levels, ls + i * LANES);
            // most values keep their level: the new sums are tested only where one moved in a lane whose step ggml
            // takes at all (slx > 0), one branch for both
            VectorMask<Float> moved = positive.and(newL.compare(VectorOperators.NE, li));
            if (!moved.anyTrue()) {
                continue;
            }
            FloatVector w = xi.mul(xi);
            FloatVector wxl = w.mul(xi).mul(newL);
            FloatVector wll = w.mul(newL).mul(newL);
            FloatVector newSlx = slx.add(wxl);
            FloatVector newSl2 = sl2.add(wll);
            VectorMask<Float> accept = moved
                    .and(newSl2.compare(VectorOperators.GT, zero))
                    .and(newSlx.mul(newSlx).mul(keptSuml2).compare(VectorOperators.GT, keptSumlx.mul(keptSumlx).mul(newSl2)));
            if (accept.anyTrue()) {
                li.blend(newL, accept).intoArray(levels, ls + i * LANES);
                FloatVector.fromArray(FLOATS, work, wxls + i * LANES).blend(wxl, accept).intoArray(work, wxls + i * LANES);
                FloatVector.fromArray(FLOATS, work, wlls + i * LANES).blend(wll, accept).intoArray(work, wlls + i * LANES);
                keptSumlx.blend(newSlx, accept).intoArray(work, sumlxAt);
                keptSuml2.blend(newSl2, accept).intoArray(work, suml2At);
                lastChange = i;
            }
        }
        return lastChange;
    }

    private static void q3Finish(int firstGroup, int n, float[] work, float[] levels, int ls, float[] scales) {
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector sumlx = FloatVector.fromArray(FLOATS, work, q3Row(n, Q3_SUMLX));
        FloatVector suml2 = FloatVector.fromArray(FLOATS, work, q3Row(n, Q3_SUML2));
        VectorMask<Float> allZero = FloatVector.fromArray(FLOATS, levels, ls + n * LANES)
                .compare(VectorOperators.NE, zero);
        zero.blend(sumlx.div(suml2), suml2.compare(VectorOperators.GT, zero)).blend(zero, allZero)
                .intoArray(scales, firstGroup);
    }

    /** max(-nmax, min(nmax - 1, nearest_int(iscale * x))) per lane, as an exact float. */
    private static FloatVector symmetricLevel(FloatVector iscale, FloatVector x, int nmax) {
        IntVector bits = iscale.mul(x).add(ROUNDING_BIAS).reinterpretAsInts();
        IntVector l = bits.and(0x007fffff).sub(0x00400000).min(nmax - 1).max(-nmax);
        return (FloatVector) l.convert(VectorOperators.I2F, 0);
    }

    /**
     * Writes the level table at {@code work[table]} back in group order, each level plus {@code offset};
     * lanes whose flag at {@code work[zeroedAt]} is not 0 (groups ggml left early) get level 0 throughout. The
     * flags come as floats, not as a mask: a mask passed to a method C2 does not inline is boxed at each call.
     */
    private static void storeLevels(int firstGroup, int n, int offset, float[] work, int zeroedAt, int table,
                                    byte[] levels, int levelsOffset) {
        FloatVector shift = FloatVector.broadcast(FLOATS, (float) offset);
        FloatVector zero = FloatVector.zero(FLOATS);
        VectorMask<Float> zeroed = FloatVector.fromArray(FLOATS, work, zeroedAt).compare(VectorOperators.NE, zero);
        // plus 1.5 * 2^23 each level (a small integer) lands in the low bits of the float's bits, so the scalar
        // write-back takes the low byte of the bits instead of converting each float to an int
        for (int i = 0; i < n; i++) {
            FloatVector.fromArray(FLOATS, work, table + i * LANES).add(shift).blend(zero, zeroed).add(ROUNDING_BIAS)
                    .intoArray(work, table + i * LANES);
        }
        for (int lane = 0; lane < LANES; lane++) {
            int to = levelsOffset + (firstGroup + lane) * n;
            for (int i = 0; i < n; i++) {
                levels[to + i] = (byte) Float.floatToRawIntBits(work[table + i * LANES + lane]);
            }
        }
    }

    /**
     * The K types' closing requantization ({@link KQuantMath#offsetRequantize}, {@link KQuantMath#symmetricRequantize}):
     * every group {@code j} of {@code group} values (a multiple of eight) whose decoded scale {@code scales[j]} is not
     * zero gets the levels {@code max(low, min(high, nearest_int((x + mins[j]) / scales[j]))) + shift}, each lane doing
     * the scalar code's float operations (no minima: 0, which changes no level); the others keep theirs. Takes and
     * returns no vector, so that it is compiled whole wherever it runs.
     */
    static void requantize(float[] x, int xOffset, int group, float[] scales, float[] mins, int low, int high,
                           int shift, byte[] levels) {
        for (int j = 0; j < scales.length; j++) {
            float d = scales[j];
            if (d == 0) {
                continue;
            }
            float m = mins == null ? 0f : mins[j];
            for (int i = 0; i < group; i += LANES) {
                FloatVector.fromArray(FLOATS, x, xOffset + group * j + i).add(m).div(d).add(ROUNDING_BIAS)
                        .reinterpretAsInts().and(0x007fffff).sub(0x00400000).max(low).min(high).add(shift)
                        .convertShape(VectorOperators.I2B, BYTES, 0).reinterpretAsBytes().intoArray(levels, group * j + i);
            }
        }
    }

    /** max(0, min(nmax, nearest_int(iscale * (x - min)))) per lane, as an exact float. */
    private static FloatVector level(FloatVector iscale, FloatVector x, FloatVector min, int nmax) {
        IntVector bits = iscale.mul(x.sub(min)).add(ROUNDING_BIAS).reinterpretAsInts();
        IntVector l = bits.and(0x007fffff).sub(0x00400000).min(nmax).max(0);
        return (FloatVector) l.convert(VectorOperators.I2F, 0);
    }
}
