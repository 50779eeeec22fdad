package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Single-thread throughput of the legacy block quantizers on a 4096x4096 N(0, 0.02) matrix, in MB/s
 * of float32 input (ggml's recorded figures are in docs/benchmark.md). Times are the thread's CPU time,
 * best of several rounds, so that a busy machine disturbs them less. The output digests were taken from
 * the codecs that matched ggml's golden data: speed work must not change them.
 * Run with {@code -Dgroups=slow -Dtest.excludedGroups=none -Dtest=LegacyThroughputTest}.
 */
@Tag("slow")
class LegacyThroughputTest {
    private static final int SIDE = 4096;
    private static final int ROUNDS = 9;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /**
     * SHA-256 prefixes per type: the plain output and its decoding, then the importance-weighted output and
     * its decoding (Q8_0 takes no weights).
     */
    private static final Map<GgmlType, List<String>> DIGESTS = Map.of(
            GgmlType.Q4_0, List.of("19d643121d5fc8ca", "427056779656531a", "d336df5dc81958da", "1ca81e28f3b20021"),
            GgmlType.Q4_1, List.of("0625ef3ca12256c8", "28c14f183f1509a7", "b17cd3b024766da2", "500148373b4040df"),
            GgmlType.Q5_0, List.of("d7643849976cc2d6", "a4269c627c3a3f0b", "7fd6e4bc67e03023", "3c7aa46ffbd97587"),
            GgmlType.Q5_1, List.of("68851a0b42d9e6e4", "d57cd6cdc4d652f7", "3df37114b4d4871c", "e17332cafdbe5925"),
            GgmlType.Q8_0, List.of("90a08e6528411d6b", "f6a74eed8eca4803"));

    @Test
    void measure() {
        Random random = new Random(42);
        float[] matrix = new float[SIDE * SIDE];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) (random.nextGaussian() * 0.02);
        }
        float[] importance = new float[SIDE];
        for (int i = 0; i < SIDE; i++) {
            importance[i] = (float) Math.exp(random.nextGaussian());
        }
        Map<GgmlType, List<String>> digests = new EnumMap<>(GgmlType.class);
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0}) {
            List<String> typeDigests = new ArrayList<>();
            typeDigests.addAll(report(type, matrix, null));
            if (type != GgmlType.Q8_0) {
                typeDigests.addAll(report(type, matrix, importance));
            }
            digests.put(type, typeDigests);
        }
        assertEquals(DIGESTS, digests, "output changed");
    }

    /** Prints the best times; returns the digests of the output and of its decoding. */
    private static List<String> report(GgmlType type, float[] matrix, float[] importance) {
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
        List<String> digests = List.of(OutputDigest.sha256(out, out.length), OutputDigest.sha256(decoded));
        System.out.printf("%-5s %-8s quantize %6.0f MB/s   dequantize %6.0f MB/s   sha256 %s%n",
                type, importance == null ? "plain" : "imatrix", megabytes / quantize, megabytes / dequantize, digests);
        return digests;
    }
}
