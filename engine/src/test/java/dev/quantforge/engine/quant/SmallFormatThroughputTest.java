package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Single-thread throughput of the small block formats on a 4096x4096 N(0, 0.02) matrix (MB/s of float32
 * input, no importance weights), and the same bytes when two threads quantize halves of it at once. The
 * output digests were taken from the codecs that matched ggml's golden data: speed work must not change them.
 * Run with {@code -Dgroups=slow -Dtest=SmallFormatThroughputTest}.
 */
@Tag("slow")
class SmallFormatThroughputTest {
    private static final int SIDE = 4096;
    private static final float[] MATRIX = normalMatrix();
    /** SHA-256 prefixes of the whole matrix's output, per type. */
    private static final Map<String, String> DIGESTS = Map.of(
            "IQ4_NL", "c9967e8743a09456",
            "IQ4_XS", "64b11b52a139f099",
            "TQ2_0", "6172b896f21f962d",
            "TQ1_0", "22649e1960313fc1",
            "MXFP4", "049044aa4148966a",
            "NVFP4", "96b0ea1c36d4b246",
            "Q1_0", "25a62d83b5834c1c",
            "Q2_0", "7149893959fc36ce");

    @ParameterizedTest
    @ValueSource(strings = {"IQ4_NL", "IQ4_XS", "TQ2_0", "TQ1_0", "MXFP4", "NVFP4", "Q1_0", "Q2_0"})
    void throughput(String typeName) throws Exception {
        Quantizer quantizer = Quantizers.require(GgmlType.byName(typeName).orElseThrow());
        int rowBytes = (int) quantizer.type().rowSize(SIDE);
        byte[] whole = new byte[rowBytes * SIDE];

        for (int warmup = 0; warmup < 3; warmup++) {
            quantizer.quantize(MATRIX, 0, SIDE / 8, SIDE, null, whole, 0);
        }
        // CPU time of this thread, so that other processes on a shared machine do not count
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long bestCpu = Long.MAX_VALUE;
        long bestWall = Long.MAX_VALUE;
        for (int run = 0; run < 5; run++) {
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            quantizer.quantize(MATRIX, 0, SIDE, SIDE, null, whole, 0);
            bestCpu = Math.min(bestCpu, threads.getCurrentThreadCpuTime() - cpu);
            bestWall = Math.min(bestWall, System.nanoTime() - wall);
        }
        double megabytes = 4.0 * SIDE * SIDE / 1e6;
        String digest = OutputDigest.sha256(whole, whole.length);
        System.out.printf("%-7s %8.1f MB/s (cpu time), %8.1f MB/s (wall), output sha256 %s%n",
                typeName, megabytes / (bestCpu / 1e9), megabytes / (bestWall / 1e9), digest);
        assertEquals(DIGESTS.get(typeName), digest, typeName + " output changed");

        byte[] split = new byte[whole.length];
        int half = SIDE / 2;
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> quantizer.quantize(MATRIX, 0, half, SIDE, null, split, 0));
        quantizer.quantize(MATRIX, half * SIDE, SIDE - half, SIDE, null, split, half * rowBytes);
        first.get();
        assertArrayEquals(whole, split, typeName + " output depends on how rows are split across threads");
    }

    private static float[] normalMatrix() {
        Random random = new Random(20240607);
        float[] m = new float[SIDE * SIDE];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (random.nextGaussian() * 0.02);
        }
        return m;
    }
}
