package dev.quantforge.engine.quant;

import java.util.Arrays;

/**
 * One i-quant lattice prepared for quantizing, as ggml's {@code iq2xs_init_impl} / {@code iq3xs_init_impl}
 * prepare it: the grid points with odd coordinates {@code 2l+1}, a map from every packed level vector to its
 * grid index, and, for each vector that is not a grid point, the grid points of its {@code nwant} nearest
 * distances ordered by (distance, index).
 *
 * <p>Immutable once built; safe to share between threads.
 */
final class GridSearch {
    private final int dims;
    private final int bits;
    private final int maxLevel;
    private final int gridSize;
    private final byte[] points;
    /** Grid index of a packed vector, or {@code -(offset + 1)} of its neighbour list in {@link #neighbours}. */
    private final int[] map;
    /** Neighbour lists: a count, then that many grid indexes. */
    private final char[] neighbours;

    private GridSearch(int dims, int bits, int maxLevel, byte[] points, int[] map, char[] neighbours) {
        this.dims = dims;
        this.bits = bits;
        this.maxLevel = maxLevel;
        this.gridSize = points.length / dims;
        this.points = points;
        this.map = map;
        this.neighbours = neighbours;
    }

    /**
     * @param kgrid    packed grid points, {@code bits} per coordinate
     * @param nwant    how many distinct nearest distances a neighbour list spans
     * @param maxLevel the highest level a quantizer asks about; vectors with higher levels get no list
     */
    static GridSearch build(int[] kgrid, int bits, int dims, int nwant, int maxLevel) {
        int mask = (1 << bits) - 1;
        byte[] points = new byte[kgrid.length * dims];
        for (int p = 0; p < kgrid.length; p++) {
            for (int i = 0; i < dims; i++) {
                points[p * dims + i] = (byte) (2 * ((kgrid[p] >> (bits * i)) & mask) + 1);
            }
        }
        int[] map = new int[1 << (bits * dims)];
        Arrays.fill(map, -1);
        for (int p = 0; p < kgrid.length; p++) {
            map[kgrid[p]] = p;
        }
        int maxDistance = dims * (2 * mask) * (2 * mask);
        int[] distance = new int[kgrid.length];
        boolean[] present = new boolean[maxDistance + 1];
        byte[] position = new byte[dims];
        char[] lists = new char[1 << 16];
        int used = 0;
        for (int u = 0; u < map.length; u++) {
            if (map[u] >= 0 || !levelsAtMost(u, bits, dims, maxLevel)) {
                continue;
            }
            for (int i = 0; i < dims; i++) {
                position[i] = (byte) (2 * ((u >> (bits * i)) & mask) + 1);
            }
            Arrays.fill(present, false);
            for (int p = 0; p < kgrid.length; p++) {
                int d2 = 0;
                for (int i = 0; i < dims; i++) {
                    int diff = points[p * dims + i] - position[i];
                    d2 += diff * diff;
                }
                distance[p] = d2;
                present[d2] = true;
            }
            int needed = kgrid.length + 1;
            if (lists.length - used < needed) {
                lists = Arrays.copyOf(lists, Math.max(2 * lists.length, used + needed));
            }
            int start = used++;
            int found = 0;
            for (int d = 0; d <= maxDistance && found < nwant; d++) {
                if (!present[d]) {
                    continue;
                }
                found++;
                for (int p = 0; p < kgrid.length; p++) {
                    if (distance[p] == d) {
                        lists[used++] = (char) p;
                    }
                }
            }
            lists[start] = (char) (used - start - 1);
            map[u] = -(start + 1);
        }
        return new GridSearch(dims, bits, maxLevel, points, map, Arrays.copyOf(lists, used));
    }

    private static boolean levelsAtMost(int u, int bits, int dims, int maxLevel) {
        int mask = (1 << bits) - 1;
        for (int i = 0; i < dims; i++) {
            if (((u >> (bits * i)) & mask) > maxLevel) {
                return false;
            }
        }
        return true;
    }

    /** Levels a grid point has per axis. */
    int dims() {
        return dims;
    }

    /** The highest level quantizers snap to on this grid. */
    int maxLevel() {
        return maxLevel;
    }

    int gridSize() {
        return gridSize;
    }

    /** Packs {@code dims} levels from {@code levels[offset]} into the map's index. */
    int pack(byte[] levels, int offset) {
        int u = 0;
        for (int i = 0; i < dims; i++) {
            u |= levels[offset + i] << (bits * i);
        }
        return u;
    }

    /** The grid index of packed vector {@code u}, or a negative number when it is not a grid point. */
    int indexOf(int u) {
        return map[u];
    }

    /** The odd coordinate {@code 2l+1} of grid point {@code point} along axis {@code i}. */
    int coordinate(int point, int i) {
        return points[point * dims + i];
    }

    /** Writes the levels {@code (coordinate - 1) / 2} of grid point {@code point}. */
    void levelsOf(int point, byte[] levels, int offset) {
        for (int i = 0; i < dims; i++) {
            levels[offset + i] = (byte) ((points[point * dims + i] - 1) / 2);
        }
    }

    /**
     * ggml's {@code iq2_find_best_neighbour} / {@code iq3_find_best_neighbour}: among the neighbours of the
     * off-grid vector {@code u}, the point closest to {@code xval} at {@code scale} in {@code weight}ed squared
     * distance (first wins ties). Writes its levels and returns its index, or -1 when no distance is below
     * {@code FLT_MAX} (ggml aborts there).
     */
    int closestNeighbour(int u, float[] xval, int xOffset, float[] weight, int wOffset, float scale,
                         byte[] levels, int lOffset) {
        int at = -map[u] - 1;
        int count = neighbours[at];
        float bestD2 = Float.MAX_VALUE;
        int best = -1;
        for (int j = 1; j <= count; j++) {
            int point = neighbours[at + j];
            int base = point * dims;
            float d2 = 0;
            for (int i = 0; i < dims; i++) {
                float q = points[base + i];
                float diff = scale * q - xval[xOffset + i];
                d2 += weight[wOffset + i] * diff * diff;
            }
            if (d2 < bestD2) {
                bestD2 = d2;
                best = point;
            }
        }
        if (best >= 0) {
            levelsOf(best, levels, lOffset);
        }
        return best;
    }

    /**
     * ggml's {@code iq1_find_best_neighbour2} over 8 coordinates whose level {@code l} stands for
     * {@code levelValue[l]}. {@code x} holds the values from {@code xOffset}; when no neighbour is closer than
     * {@code FLT_MAX} the whole grid is tried, and like ggml that pass reads {@code x[xOffset + pointIndex]}.
     * Returns -1 when nothing was found (ggml aborts there) or the pass would read past {@code x}.
     */
    int closestNeighbourShifted(int u, float[] x, int xOffset, float[] weight, int wOffset, float scale,
                                float[] levelValue, byte[] levels, int lOffset) {
        int at = -map[u] - 1;
        int count = neighbours[at];
        float bestD2 = Float.MAX_VALUE;
        int best = -1;
        for (int j = 1; j <= count; j++) {
            int point = neighbours[at + j];
            int base = point * dims;
            float d2 = 0;
            for (int i = 0; i < dims; i++) {
                float q = levelValue[(points[base + i] - 1) / 2];
                float w = weight[wOffset + i];
                float diff = scale * q - x[xOffset + i];
                d2 += w * diff * diff;
            }
            if (d2 < bestD2) {
                bestD2 = d2;
                best = point;
            }
        }
        if (best < 0) {
            if (xOffset + gridSize > x.length) {
                return -1;
            }
            for (int point = 0; point < gridSize; point++) {
                int base = point * dims;
                float d2 = 0;
                for (int j = 0; j < dims; j++) {
                    float w = weight[wOffset + j];
                    float q = levelValue[(points[base + j] - 1) / 2];
                    float diff = scale * q - x[xOffset + point];
                    d2 += w * diff * diff;
                }
                if (d2 < bestD2) {
                    bestD2 = d2;
                    best = point;
                }
            }
        }
        if (best >= 0) {
            levelsOf(best, levels, lOffset);
        }
        return best;
    }
}
