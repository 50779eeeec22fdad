package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;

import java.util.Arrays;

import static dev.quantforge.engine.quant.IQMath.clamp;
import static dev.quantforge.engine.quant.QuantMath.nearestInt;

/**
 * The scale search the grid i-quants share (ggml's {@code quantize_row_iq2_xxs_impl} and its siblings),
 * for one group of magnitudes: try the scales {@code (2 maxLevel + 1 + s * stepSize) / max} for
 * {@code s = -steps .. steps}, snap every grid point of the group to the lattice, keep the scale with the
 * best weighted fit, then snap again at that scale as {@link Refit} says and fit the scale once more.
 *
 * @param typeName    the type, for the message of a block ggml would abort on
 * @param startOnGrid what the points count as when no scale beats the caller's fallback
 */
record GroupScaleSearch(String typeName, int steps, float stepSize, Refit refit, boolean startOnGrid) {

    /** Which points ggml snaps again at the chosen scale. */
    enum Refit {
        /** only those that fell off the lattice, when one did (IQ2_XS, IQ2_S, IQ3_XXS) */
        OFF_GRID_POINTS,
        /** all of them, when one fell off the lattice (IQ3_S) */
        ALL_POINTS_IF_ANY_OFF,
        /** all of them, always (IQ2_XXS) */
        ALL_POINTS
    }

    /**
     * Fits {@code n} magnitudes {@code xval} with weights {@code weight} (and their square roots {@code waux},
     * the neighbour search's weights) to {@code grid}. {@code levels} holds the caller's fallback levels for
     * {@code scale} and ends with the chosen ones; returns the chosen scale. {@code levelsAux}, {@code onGrid}
     * and {@code onGridAux} are working space of {@code n} and {@code n / grid.dims()} entries.
     */
    float fit(GridSearch grid, float[] xval, float[] weight, float[] waux, int n, float max, float scale, byte[] levels,
              byte[] levelsAux, boolean[] onGrid, boolean[] onGridAux) {
        int dims = grid.dims();
        int maxLevel = grid.maxLevel();
        int points = n / dims;
        Arrays.fill(onGrid, 0, points, startOnGrid);
        float best = 0;
        for (int is = -steps; is <= steps; is++) {
            float id = (2 * maxLevel + 1 + is * stepSize) / max;
            float thisScale = 1 / id;
            for (int k = 0; k < points; k++) {
                for (int i = 0; i < dims; i++) {
                    int l = nearestInt(0.5f * (id * xval[dims * k + i] - 1));
                    levelsAux[dims * k + i] = (byte) clamp(l, 0, maxLevel);
                }
                int u = grid.pack(levelsAux, dims * k);
                onGridAux[k] = grid.indexOf(u) >= 0;
                if (!onGridAux[k]) {
                    requireFound(grid.closestNeighbour(u, xval, dims * k, waux, dims * k, thisScale, levelsAux, dims * k));
                }
            }
            float sumqx = 0;
            float sumq2 = 0;
            for (int i = 0; i < n; i++) {
                float w = weight[i];
                float q = 2 * levelsAux[i] + 1;
                sumqx += w * xval[i] * q;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                System.arraycopy(levelsAux, 0, levels, 0, n);
                System.arraycopy(onGridAux, 0, onGrid, 0, points);
            }
        }
        boolean anyOff = false;
        for (int k = 0; k < points; k++) {
            anyOff |= !onGrid[k];
        }
        if ((refit == Refit.ALL_POINTS || anyOff) && scale > 0) {
            float id = 1 / scale;
            for (int k = 0; k < points; k++) {
                if (refit == Refit.OFF_GRID_POINTS && onGrid[k]) {
                    continue;
                }
                for (int i = 0; i < dims; i++) {
                    levels[dims * k + i] = (byte) clamp(nearestInt(0.5f * (id * xval[dims * k + i] - 1)), 0, maxLevel);
                }
                int u = grid.pack(levels, dims * k);
                if (grid.indexOf(u) < 0) {
                    requireFound(grid.closestNeighbour(u, xval, dims * k, waux, dims * k, scale, levels, dims * k));
                }
            }
            float sumqx = 0;
            float sumq2 = 0;
            for (int i = 0; i < n; i++) {
                float w = weight[i];
                float q = 2 * levels[i] + 1;
                sumqx += w * xval[i] * q;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0) {
                scale = sumqx / sumq2;
            }
        }
        return scale;
    }

    private void requireFound(int point) {
        if (point < 0) {
            throw new InvalidInputException(typeName + " cannot quantize a block whose values overflow float32 arithmetic");
        }
    }
}
