package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * Single-thread quantization speed of the grid i-quants on a 4096 × 4096 N(0, 0.02) matrix (weights of
 * ones where the type needs them), in MB/s of float32 input, by wall clock and by the thread's CPU time (the
 * machine may be shared). A measurement, not a pass/fail check:
 * {@code -Dgroups=slow -Dtest.excludedGroups= -Dtest=IQGridThroughputTest}; {@code -Diq.types=IQ1_M} limits it.
 */
@Tag("slow")
class IQGridThroughputTest {
    @Test
    void printSingleThreadThroughput() {
        int n = 4096;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String only = System.getProperty("iq.types", "");
        float[] values = IQGridCodecsTest.gaussianRows(n, n, 42);
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        for (GgmlType type : List.of(GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_S, GgmlType.IQ2_XXS,
                GgmlType.IQ2_XS, GgmlType.IQ1_S, GgmlType.IQ1_M)) {
            if (!only.isBlank() && !List.of(only.split(",")).contains(type.name())) {
                continue;
            }
            Quantizer q = Quantizers.require(type);
            float[] importance = q.requiresImportance() ? ones : null;
            int rowBytes = (int) type.byteSize(n, n);
            byte[] out = new byte[n * rowBytes];
            long initStart = System.nanoTime();
            q.quantize(values, 0, 64, n, importance, out, 0); // first call builds the neighbour tables and warms up
            long initNanos = System.nanoTime() - initStart;
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            q.quantize(values, 0, n, n, importance, out, 0);
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            double seconds = (System.nanoTime() - start) / 1e9;
            double megabytes = (double) n * n * 4 / 1e6;
            System.out.printf("%-8s %6.1f MB/s wall (%.1f s), %6.1f MB/s cpu (%.1f s); first 64 rows incl. table build %.2f s%n",
                    type, megabytes / seconds, seconds, megabytes / cpuSeconds, cpuSeconds, initNanos / 1e9);
        }
    }
}
