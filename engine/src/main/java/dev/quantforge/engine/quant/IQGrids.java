package dev.quantforge.engine.quant;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ggml's i-quant lattices. Every grid comes from one compressed table of {@code iq-kgrids.txt} (the
 * {@code kgrid_*} arrays of ggml-quants.c): the decoding grids of ggml-common.h are those points with each
 * level mapped to its stored magnitude, and the quantizers' searches are built from the same points.
 *
 * <p>Decoding grids hold {@code dims} bytes per point, read unsigned except {@link #IQ1S} (signed). The
 * neighbour searches cost a second or so to build, so each is built on first use, once, by the JVM's
 * class initialisation (thread-safe).
 */
final class IQGrids {
    private static final Map<String, int[]> KGRIDS = load("iq-kgrids.txt");

    /** ksigns_iq2xs: 7 sign bits and an eighth that makes the count of negatives even. */
    static final byte[] KSIGNS = evenParitySigns();

    static final byte[] IQ2XXS = decodingGrid("kgrid_2bit_256", 2, 8, new int[] {0x08, 0x19, 0x2b});
    static final byte[] IQ2XS = decodingGrid("kgrid_2bit_512", 2, 8, new int[] {0x08, 0x19, 0x2b});
    static final byte[] IQ2S = decodingGrid("kgrid_2bit_1024", 2, 8, new int[] {0x08, 0x19, 0x2b});
    static final byte[] IQ3XXS = decodingGrid("kgrid_256", 3, 4, new int[] {4, 12, 20, 28, 36, 44, 52, 62});
    static final byte[] IQ3S = decodingGrid("kgrid_512", 3, 4, new int[] {1, 3, 5, 7, 9, 11, 13, 15});
    static final byte[] IQ1S = decodingGrid("kgrid_1bit_2048", 2, 8, new int[] {-1, 0, 1});

    private IQGrids() {
    }

    static GridSearch iq2xxs() {
        return Iq2xxs.SEARCH;
    }

    static GridSearch iq2xs() {
        return Iq2xs.SEARCH;
    }

    static GridSearch iq2s() {
        return Iq2s.SEARCH;
    }

    /** Shared by IQ1_S and IQ1_M, as in ggml. */
    static GridSearch iq1() {
        return Iq1.SEARCH;
    }

    static GridSearch iq3xxs() {
        return Iq3xxs.SEARCH;
    }

    static GridSearch iq3s() {
        return Iq3s.SEARCH;
    }

    // Quantizers only ever produce levels 0..2 on the 2-bit lattices, so only those points need neighbours.
    private static final class Iq2xxs {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_2bit_256"), 2, 8, 2, 2);
    }

    private static final class Iq2xs {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_2bit_512"), 2, 8, 2, 2);
    }

    private static final class Iq2s {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_2bit_1024"), 2, 8, 1, 2);
    }

    private static final class Iq1 {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_1bit_2048"), 2, 8, 3, 2);
    }

    private static final class Iq3xxs {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_256"), 3, 4, 2, 7);
    }

    private static final class Iq3s {
        static final GridSearch SEARCH = GridSearch.build(KGRIDS.get("kgrid_512"), 3, 4, 3, 7);
    }

    private static byte[] decodingGrid(String name, int bits, int dims, int[] valueOfLevel) {
        int[] kgrid = KGRIDS.get(name);
        byte[] grid = new byte[kgrid.length * dims];
        int mask = (1 << bits) - 1;
        for (int p = 0; p < kgrid.length; p++) {
            for (int i = 0; i < dims; i++) {
                grid[p * dims + i] = (byte) valueOfLevel[(kgrid[p] >> (bits * i)) & mask];
            }
        }
        return grid;
    }

    private static byte[] evenParitySigns() {
        byte[] signs = new byte[128];
        for (int i = 0; i < signs.length; i++) {
            signs[i] = (byte) (i | ((Integer.bitCount(i) & 1) << 7));
        }
        return signs;
    }

    private static Map<String, int[]> load(String resource) {
        try (InputStream in = IQGrids.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            Map<String, int[]> tables = new HashMap<>();
            String name = null;
            int expected = 0;
            List<Integer> values = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("=")) {
                    finish(tables, name, expected, values);
                    String[] header = line.substring(1).trim().split("\\s+");
                    name = header[0];
                    expected = Integer.parseInt(header[1]);
                    values.clear();
                    continue;
                }
                for (String token : line.split(",")) {
                    if (!token.isBlank()) {
                        values.add(Integer.parseInt(token.trim()));
                    }
                }
            }
            finish(tables, name, expected, values);
            return tables;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void finish(Map<String, int[]> tables, String name, int expected, List<Integer> values) {
        if (name == null) {
            return;
        }
        if (values.size() != expected) {
            throw new IllegalStateException(name + " has " + values.size() + " entries, expected " + expected);
        }
        tables.put(name, values.stream().mapToInt(Integer::intValue).toArray());
    }
}
