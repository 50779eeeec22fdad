package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * Single-thread throughput of the legacy block quantizers on a 4096x4096 N(0, 0.02) matrix, in MB/s
 * of float32 input (ggml's C reference on the development machine: Q4_0 2,545 MB/s, Q8_0 979 MB/s).
 * Times are the thread's CPU time, best of several rounds, so that a busy machine disturbs them less.
 * Prints a digest of every output so that a speed change can be checked to leave the bytes alone.
 * Run with {@code -Dgroups=slow -Dtest.excludedGroups=none -Dtest=LegacyThroughputTest}.
 */
@Tag("slow")
class LegacyThroughputTest {
    private static final int SIDE = 4096;
    private static final int ROUNDS = 9;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

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
        int rows = importance == null ? SIDE : SIDE / 8; // the weighted search is far slower
        byte[] out = new byte[(int) type.byteSize((long) rows * SIDE, SIDE)];
        float[] decoded = new float[rows * SIDE];
        double quantize = Double.MAX_VALUE;
        double dequantize = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long start = THREADS.getCurrentThreadCpuTime();
            quantizer.quantize(matrix, 0, rows, SIDE, importance, out, 0);
            long middle = THREADS.getCurrentThreadCpuTime();
            quantizer.dequantize(out, 0, decoded, 0, decoded.length);
            long end = THREADS.getCurrentThreadCpuTime();
            quantize = Math.min(quantize, (middle - start) / 1e9);
            dequantize = Math.min(dequantize, (end - middle) / 1e9);
        }
        double megabytes = 4.0 * rows * SIDE / 1e6;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        System.out.printf("%-5s %-8s quantize %6.0f MB/s   dequantize %6.0f MB/s   output sha256 %s%n",
                type, importance == null ? "plain" : "imatrix", megabytes / quantize, megabytes / dequantize,
                HexFormat.of().formatHex(sha.digest(out)).substring(0, 16));
    }
}
