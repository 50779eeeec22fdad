package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

/**
 * Single-thread quantization speed of the grid i-quants on a 4096 × 4096 N(0, 0.02) matrix (weights of
 * ones where the type needs them), in MB/s of float32 input. A measurement, not a pass/fail check:
 * {@code -Dgroups=slow -Dtest=IQGridThroughputTest}.
 */
@Tag("slow")
class IQGridThroughputTest {
    @Test
    void printSingleThreadThroughput() {
        int n = 4096;
        float[] values = IQGridCodecsTest.gaussianRows(n, n, 42);
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        for (GgmlType type : List.of(GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_S, GgmlType.IQ2_XXS,
                GgmlType.IQ2_XS, GgmlType.IQ1_S, GgmlType.IQ1_M)) {
            Quantizer q = Quantizers.require(type);
            float[] importance = q.requiresImportance() ? ones : null;
            int rowBytes = (int) type.byteSize(n, n);
            byte[] out = new byte[n * rowBytes];
            long initStart = System.nanoTime();
            q.quantize(values, 0, 64, n, importance, out, 0); // first call builds the neighbour tables and warms up
            long initNanos = System.nanoTime() - initStart;
            long start = System.nanoTime();
            q.quantize(values, 0, n, n, importance, out, 0);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%-8s %8.1f MB/s  (%.2f s for 64 MiB; first 64 rows incl. table build %.2f s)%n",
                    type, (double) n * n * 4 / 1e6 / seconds, seconds, initNanos / 1e9);
        }
    }
}
