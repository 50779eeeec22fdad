package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Single-thread K-quant throughput on a 4096x4096 N(0, 0.02) matrix without importance weights (ggml's
 * recorded figures are in docs/benchmark.md); timed in thread CPU time since the build machine is
 * shared. The output digests (and those of 512 rows with importance weights) were taken from the
 * first, plain port, which matched ggml's golden data: speed work must not change them. Run with
 * {@code -Dtest=KQuantThroughputTest -Dgroups=slow -Dtest.excludedGroups=}.
 */
@Tag("slow")
class KQuantThroughputTest {
    private static final int ROWS = 4096;
    private static final int COLUMNS = 4096;
    private static final int WEIGHTED_ROWS = 512;
    /** SHA-256 prefixes of the plain and the weighted output, per type. */
    private static final Map<GgmlType, List<String>> DIGESTS = Map.of(
            GgmlType.Q2_K, List.of("00b90dd3c01976c0", "739ce932bc0afce8"),
            GgmlType.Q3_K, List.of("a3667230ccd0adf3", "f8c074a3aec89be8"),
            GgmlType.Q4_K, List.of("ece2d66b1013a9cf", "a189326761eef513"),
            GgmlType.Q5_K, List.of("7ff113c2acf4d7c6", "173c0e03687d96d6"),
            GgmlType.Q6_K, List.of("ab49d0ef2855a8ad", "8abc55652ef9f611"));

    @Test
    void reportsThroughput() {
        Random random = new Random(42);
        float[] matrix = new float[ROWS * COLUMNS];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) (random.nextGaussian() * 0.02);
        }
        float[] importance = new float[COLUMNS];
        for (int i = 0; i < COLUMNS; i++) {
            importance[i] = (float) (random.nextDouble() * 4 + 1e-3);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String only = System.getProperty("golden.types", "");
        for (GgmlType type : List.of(GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)) {
            if (!only.isBlank() && !List.of(only.split(",")).contains(type.name())) {
                continue;
            }
            Quantizer q = Quantizers.require(type);
            byte[] out = new byte[(int) type.byteSize((long) ROWS * COLUMNS, COLUMNS)];
            for (int warmup = 0; warmup < 3; warmup++) {
                q.quantize(matrix, 0, 512, COLUMNS, null, out, 0);
                q.quantize(matrix, 0, 64, COLUMNS, importance, out, 0);
            }
            double best = Double.MAX_VALUE;
            double bestWall = Double.MAX_VALUE;
            for (int run = 0; run < 3; run++) {
                long cpuStart = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                q.quantize(matrix, 0, ROWS, COLUMNS, null, out, 0);
                bestWall = Math.min(bestWall, (System.nanoTime() - start) / 1e9);
                best = Math.min(best, (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9);
            }
            String plain = OutputDigest.sha256(out, out.length);
            q.quantize(matrix, 0, WEIGHTED_ROWS, COLUMNS, importance, out, 0);
            String weighted = OutputDigest.sha256(out, (int) type.byteSize((long) WEIGHTED_ROWS * COLUMNS, COLUMNS));
            double megabytes = matrix.length * 4.0 / 1e6;
            System.out.printf("%s: %.1f MB/s of thread CPU time (%.1f MB/s wall; float32 input, MB = 1e6 bytes,"
                            + " vector search %s)%n", type, megabytes / best, megabytes / bestWall,
                    KQuantMath.VECTOR_SEARCH ? "on" : "off");
            assertEquals(DIGESTS.get(type), List.of(plain, weighted), type + " output changed");
        }
    }
}
