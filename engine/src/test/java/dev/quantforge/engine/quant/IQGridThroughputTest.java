package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Single-thread quantization speed of the grid i-quants on a 4096 × 4096 N(0, 0.02) matrix (weights of
 * ones where the type needs them), in MB/s of float32 input, by wall clock and by the thread's CPU time (the
 * machine may be shared). The output digests were taken from the codecs that matched ggml's golden data:
 * speed work must not change them. {@code -Dgroups=slow -Dtest.excludedGroups= -Dtest=IQGridThroughputTest};
 * {@code -Diq.types=IQ1_M} limits it.
 */
@Tag("slow")
class IQGridThroughputTest {
    /** SHA-256 prefixes of the whole matrix's output, per type. */
    private static final Map<GgmlType, String> DIGESTS = Map.of(
            GgmlType.IQ3_XXS, "1e623cd827a0e3d0",
            GgmlType.IQ3_S, "92920aa2f06c4447",
            GgmlType.IQ2_S, "bf6925dd1ff781b6",
            GgmlType.IQ2_XXS, "52dc753a3d9c51d3",
            GgmlType.IQ2_XS, "e3d6f4a2b2d71192",
            GgmlType.IQ1_S, "cddea91ef549fc27",
            GgmlType.IQ1_M, "f76683752adca58d");

    @Test
    void throughputWithPinnedOutput() {
        int n = 4096;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String only = System.getProperty("iq.types", "");
        float[] values = IQGridCodecsTest.gaussianRows(n, n, 42);
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        Map<GgmlType, String> digests = new EnumMap<>(GgmlType.class);
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
            digests.put(type, OutputDigest.sha256(out, out.length));
            System.out.printf("%-8s %6.1f MB/s wall (%.1f s), %6.1f MB/s cpu (%.1f s); first 64 rows incl. table build"
                            + " %.2f s; output sha256 %s%n", type, megabytes / seconds, seconds, megabytes / cpuSeconds,
                    cpuSeconds, initNanos / 1e9, digests.get(type));
        }
        digests.forEach((type, digest) -> assertEquals(DIGESTS.get(type), digest, type + " output changed"));
    }
}
