package dev.quantforge.benchmarks;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * quantforge's kernels against ggml's own C quantizers in one JVM, one thread, on the matrix
 * {@code bench-kernels} uses (4096 x 4096 N(0, 0.02) values, seed 42). ggml is the caller's build of
 * {@code libggml-base.so} (built as llama.cpp builds it; docs/benchmark.md says how), reached through JNA:
 * {@code ggml_quantize_chunk} over the whole matrix is one ggml pass, {@code Quantizer.quantize} over
 * the whole matrix one quantforge pass. Passes alternate (ggml, quantforge, ggml, ...) after one warm-up of
 * each, so that a noisy neighbour slows both alike; each side's best pass counts, by wall time (as
 * {@code bench-kernels} counts) and by the thread's CPU time (which a machine shared with other work
 * disturbs less: time spent descheduled is not counted). The two outputs are compared byte for byte.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.quantforge.benchmarks.GgmlKernelComparison LIBGGML_BASE [TYPES] [SECONDS]</pre>
 */
public final class GgmlKernelComparison {
    private static final int ROWS = 4096;
    private static final int ROW_LENGTH = 4096;
    private static final int MAX_PASSES = 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** The one ggml entry point the comparison needs. */
    public interface GgmlBase extends Library {
        long ggml_quantize_chunk(int type, Pointer src, Pointer dst, long start, long nrows, long nPerRow,
                                 Pointer imatrix);
    }

    private GgmlKernelComparison() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: GgmlKernelComparison LIBGGML_BASE [TYPE,TYPE,..] [SECONDS]");
            System.exit(1);
        }
        // the kernels' steady speed: the block types' vector code from the first pass, not after it wins a race
        System.getProperties().putIfAbsent("quantforge.kernels.blocks", "vector");
        GgmlBase ggml = Native.load(args[0], GgmlBase.class);
        List<GgmlType> types = new ArrayList<>();
        String names = args.length > 1 ? args[1]
                : "F16,BF16,Q4_0,Q4_1,Q5_0,Q5_1,Q8_0,Q2_K,Q3_K,Q4_K,Q5_K,Q6_K,IQ4_NL,IQ4_XS,TQ1_0,TQ2_0,MXFP4";
        for (String name : names.split(",")) {
            types.add(GgmlType.byName(name.trim()).orElseThrow(() -> new IllegalArgumentException("unknown type " + name)));
        }
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;

        float[] values = gaussianMatrix();
        long inputBytes = (long) values.length * Float.BYTES;
        Memory nativeValues = new Memory(inputBytes);
        nativeValues.write(0, values, 0, values.length);
        System.out.printf("%-7s %10s %10s %7s %10s %10s %7s  %s%n", "type", "ggml MB/s", "qf MB/s", "ratio",
                "ggml cpu", "qf cpu", "ratio", "bytes");
        for (GgmlType type : types) {
            Quantizer quantizer = Quantizers.require(type);
            int outBytes = Math.toIntExact(type.byteSize(values.length, ROW_LENGTH));
            Memory nativeOut = new Memory(outBytes);
            byte[] out = new byte[outBytes];
            ggmlPass(ggml, type, nativeValues, nativeOut);
            quantforgePass(quantizer, values, out);
            long ggmlWall = Long.MAX_VALUE;
            long ownWall = Long.MAX_VALUE;
            long ggmlCpu = Long.MAX_VALUE;
            long ownCpu = Long.MAX_VALUE;
            long spent = 0;
            for (int pass = 0; pass < MAX_PASSES && (pass < 2 || spent < seconds * 1e9); pass++) {
                Pass g = ggmlPass(ggml, type, nativeValues, nativeOut);
                Pass q = quantforgePass(quantizer, values, out);
                ggmlWall = Math.min(ggmlWall, g.wall());
                ownWall = Math.min(ownWall, q.wall());
                ggmlCpu = Math.min(ggmlCpu, g.cpu());
                ownCpu = Math.min(ownCpu, q.cpu());
                spent += g.wall() + q.wall();
            }
            boolean same = Arrays.equals(nativeOut.getByteArray(0, outBytes), out);
            double ggmlRate = inputBytes / 1e6 / (ggmlWall / 1e9);
            double ownRate = inputBytes / 1e6 / (ownWall / 1e9);
            double ggmlCpuRate = inputBytes / 1e6 / (ggmlCpu / 1e9);
            double ownCpuRate = inputBytes / 1e6 / (ownCpu / 1e9);
            System.out.printf("%-7s %10.0f %10.0f %7.2f %10.0f %10.0f %7.2f  %s%n", type, ggmlRate, ownRate,
                    ownRate / ggmlRate, ggmlCpuRate, ownCpuRate, ownCpuRate / ggmlCpuRate,
                    same ? "identical" : "DIFFERENT");
        }
    }

    /** Wall and CPU nanoseconds of one pass. */
    private record Pass(long wall, long cpu) {
    }

    private static Pass ggmlPass(GgmlBase ggml, GgmlType type, Pointer src, Pointer dst) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        ggml.ggml_quantize_chunk(type.id(), src, dst, 0, ROWS, ROW_LENGTH, null);
        return new Pass(System.nanoTime() - start, THREADS.getCurrentThreadCpuTime() - cpu);
    }

    private static Pass quantforgePass(Quantizer quantizer, float[] values, byte[] out) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        quantizer.quantize(values, 0, ROWS, ROW_LENGTH, null, out, 0);
        return new Pass(System.nanoTime() - start, THREADS.getCurrentThreadCpuTime() - cpu);
    }

    /** The matrix KernelBenchmark.gaussianMatrix(4096, 4096, 0.02f, 42) builds for bench-kernels. */
    private static float[] gaussianMatrix() {
        Random random = new Random(42);
        float[] values = new float[ROWS * ROW_LENGTH];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02f);
        }
        return values;
    }
}
