package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Quantization throughput on one matrix, as {@code quantforge bench-kernels} reports it: MB/s of
 * float32 input, rows split evenly across threads, best of the repetitions that fit in the time
 * budget after one warm-up pass.
 */
public final class KernelBenchmark {

    private final float[] values;
    private final int rows;
    private final int rowLength;
    private final float[] ones;

    private KernelBenchmark(float[] values, int rows, int rowLength) {
        this.values = values;
        this.rows = rows;
        this.rowLength = rowLength;
        this.ones = new float[rowLength];
        java.util.Arrays.fill(ones, 1f);
    }

    public static KernelBenchmark gaussianMatrix(int rows, int rowLength, float sigma, long seed) {
        Random random = new Random(seed);
        float[] values = new float[rows * rowLength];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * sigma);
        }
        return new KernelBenchmark(values, rows, rowLength);
    }

    /** MB/s of float32 input; types that need importance weights get weights of one. */
    public double measure(Quantizer quantizer, int threads, double seconds) throws Exception {
        GgmlType type = quantizer.type();
        byte[] out = new byte[Math.toIntExact(type.byteSize((long) rows * rowLength, rowLength))];
        float[] importance = quantizer.requiresImportance() ? ones : null;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            pass(quantizer, threads, importance, out, pool);
            long budget = (long) (seconds * 1e9);
            long spent = 0;
            long best = Long.MAX_VALUE;
            int runs = 0;
            while (runs < 1 || (spent < budget && runs < 20)) {
                long t = pass(quantizer, threads, importance, out, pool);
                best = Math.min(best, t);
                spent += t;
                runs++;
            }
            return (double) values.length * Float.BYTES / 1e6 / (best / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private long pass(Quantizer quantizer, int threads, float[] importance, byte[] out, ExecutorService pool) throws Exception {
        long rowBytes = quantizer.type().rowSize(rowLength);
        int perThread = (rows + threads - 1) / threads;
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int first = 0; first < rows; first += perThread) {
            int from = first;
            int count = Math.min(perThread, rows - first);
            futures.add(pool.submit(() -> quantizer.quantize(values, from * rowLength, count, rowLength, importance,
                    out, Math.toIntExact(from * rowBytes))));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        return System.nanoTime() - start;
    }
}
