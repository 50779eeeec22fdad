package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * Single-thread throughput of the legacy block quantizers on a 4096x4096 N(0, 0.02) matrix, in MB/s
 * of float32 input (ggml's C reference on the development machine: Q4_0 2,545 MB/s, Q8_0 979 MB/s).
 * Prints a digest of every output so that a speed change can be checked to leave the bytes alone.
 * Run with {@code -Dgroups=slow -Dtest.excludedGroups=none -Dtest=LegacyThroughputTest}.
 */
@Tag("slow")
class LegacyThroughputTest {
    private static final int SIDE = 4096;
    private static final int ROUNDS = 7;

    @Test
    void measure() throws Exception {
        Random random = new Random(42);
        float[] matrix = new float[SIDE * SIDE];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) (random.nextGaussian() * 0.02);
        }
        float[] importance = new float[SIDE];
        for (int i = 0; i < SIDE; i++) {
            importance[i] = (float) Math.exp(random.nextGaussian());
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0}) {
            report(type, matrix, null);
            if (type != GgmlType.Q8_0) {
                report(type, matrix, importance);
            }
        }
    }

    private static void report(GgmlType type, float[] matrix, float[] importance) throws Exception {
        Quantizer quantizer = Quantizers.require(type);
        byte[] out = new byte[(int) type.byteSize(matrix.length, SIDE)];
        int rows = importance == null ? SIDE : SIDE / 8; // the weighted search is far slower
        double best = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            quantizer.quantize(matrix, 0, rows, SIDE, importance, out, 0);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        double megabytes = 4.0 * rows * SIDE / 1e6;
        float[] decoded = new float[rows * SIDE];
        long start = System.nanoTime();
        quantizer.dequantize(out, 0, decoded, 0, decoded.length);
        double decodeSeconds = (System.nanoTime() - start) / 1e9;
        int outBytes = (int) type.byteSize((long) rows * SIDE, SIDE);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(out, 0, outBytes);
        System.out.printf("%-5s %-8s quantize %8.0f MB/s   dequantize(1 pass) %8.0f MB/s   sha256 %s%n",
                type, importance == null ? "plain" : "imatrix", megabytes / best, megabytes / decodeSeconds,
                HexFormat.of().formatHex(sha.digest()).substring(0, 16));
    }
}
