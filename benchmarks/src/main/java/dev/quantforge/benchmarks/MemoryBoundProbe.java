package dev.quantforge.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * How fast this machine moves the BF16 kernel's bytes at all, to tell whether BF16 can go faster by computing
 * faster: loops that do the least work over the same 4096 x 4096 float32 matrix the kernel comparison uses,
 * one thread, in MB/s of float input (10^6 bytes) by the thread's CPU time and by wall time, best of the passes
 * that fit in the time budget after one warm-up. Read loops sum the floats (one accumulator, four independent
 * ones, 256- and 512-bit vectors); copy loops read the floats and write 2 bytes each (the high half of each
 * float, as BF16 without its rounding; 256- and 512-bit) or 4 (a plain {@code System.arraycopy} of the whole
 * matrix, which moves twice BF16's output). Each loop runs in its own JVM-wide code, with no quantization kernel
 * before it (the 512-bit loops would slow the 256-bit kernels run after them; see docs/benchmark.md).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.quantforge.benchmarks.MemoryBoundProbe [SECONDS]</pre>
 */
public final class MemoryBoundProbe {
    private static final int VALUES = 4096 * 4096;
    private static final int MAX_PASSES = 30;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private MemoryBoundProbe() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        float[] values = new float[VALUES];
        Random random = new Random(42);
        for (int i = 0; i < VALUES; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        short[] halves = new short[VALUES];
        float[] copy = new float[VALUES];
        System.out.printf("%-34s %10s %10s%n", "loop", "wall MB/s", "cpu MB/s");
        run("read, 1 accumulator, 256-bit", seconds, () -> Float.floatToRawIntBits(read1(values)));
        run("read, 4 accumulators, 256-bit", seconds, () -> Float.floatToRawIntBits(read4(values)));
        run("read, 4 accumulators, 512-bit", seconds, () -> Float.floatToRawIntBits(read4Wide(values)));
        run("copy, high halves, 256-bit", seconds, () -> highHalves(values, halves));
        run("copy, high halves, 512-bit", seconds, () -> highHalvesWide(values, halves));
        run("copy, System.arraycopy (4 B each)", seconds, () -> {
            System.arraycopy(values, 0, copy, 0, VALUES);
            return Float.floatToRawIntBits(copy[VALUES - 1]);
        });
    }

    private static void run(String name, double seconds, LongSupplier pass) {
        long sink = pass.getAsLong(); // warm-up
        long bestWall = Long.MAX_VALUE;
        long bestCpu = Long.MAX_VALUE;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        for (int p = 0; p < MAX_PASSES && System.nanoTime() < deadline; p++) {
            long cpu = THREADS.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            sink += pass.getAsLong();
            bestWall = Math.min(bestWall, System.nanoTime() - wall);
            bestCpu = Math.min(bestCpu, THREADS.getCurrentThreadCpuTime() - cpu);
        }
        double bytes = 4.0 * VALUES;
        System.out.printf("%-34s %10.0f %10.0f   (%d)%n", name, bytes / bestWall * 1e3, bytes / bestCpu * 1e3, sink & 1);
    }

    private static float read1(float[] v) {
        FloatVector sum = FloatVector.zero(F256);
        for (int i = 0; i < v.length; i += F256.length()) {
            sum = sum.add(FloatVector.fromArray(F256, v, i));
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    private static float read4(float[] v) {
        int step = F256.length();
        FloatVector a = FloatVector.zero(F256);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        for (int i = 0; i < v.length; i += 4 * step) {
            a = a.add(FloatVector.fromArray(F256, v, i));
            b = b.add(FloatVector.fromArray(F256, v, i + step));
            c = c.add(FloatVector.fromArray(F256, v, i + 2 * step));
            d = d.add(FloatVector.fromArray(F256, v, i + 3 * step));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    private static float read4Wide(float[] v) {
        int step = F512.length();
        FloatVector a = FloatVector.zero(F512);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        for (int i = 0; i < v.length; i += 4 * step) {
            a = a.add(FloatVector.fromArray(F512, v, i));
            b = b.add(FloatVector.fromArray(F512, v, i + step));
            c = c.add(FloatVector.fromArray(F512, v, i + 2 * step));
            d = d.add(FloatVector.fromArray(F512, v, i + 3 * step));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    private static long highHalves(float[] v, short[] out) {
        for (int i = 0; i < v.length; i += F256.length()) {
            FloatVector.fromArray(F256, v, i).reinterpretAsInts().lanewise(VectorOperators.LSHR, 16)
                    .convertShape(VectorOperators.I2S, S128, 0).reinterpretAsShorts().intoArray(out, i);
        }
        return out[v.length - 1];
    }

    private static long highHalvesWide(float[] v, short[] out) {
        for (int i = 0; i < v.length; i += F512.length()) {
            ((IntVector) FloatVector.fromArray(F512, v, i).reinterpretAsInts()).lanewise(VectorOperators.LSHR, 16)
                    .convertShape(VectorOperators.I2S, S256, 0).reinterpretAsShorts().intoArray(out, i);
        }
        return out[v.length - 1];
    }
}
