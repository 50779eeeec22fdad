package dev.quantforge.engine.quant;

import java.lang.System.Logger.Level;

/**
 * Which implementation the plain kernels run, chosen once when this class is first used and logged.
 * Vector lanes need {@code jdk.incubator.vector} in the JVM ({@code --add-modules jdk.incubator.vector}),
 * eight-lane float vectors on the CPU, and no {@code -Dquantforge.kernels.scalar=true}; else every
 * kernel runs its scalar code. Both give the same bytes; the scalar code stays as the reference the vector
 * code is tested against.
 *
 * <p>F16 and BF16 ({@link #HALF_VECTOR}) and Q4_0, Q4_1, Q5_0, Q5_1, TQ1_0, TQ2_0 and MXFP4
 * ({@link #BLOCK_VECTOR}) take the vector lanes by default; {@code -Dquantforge.kernels.blocks=scalar} keeps
 * the block types on their scalar code while F16 and BF16 stay vectorised (to compare the two, or should a
 * JVM compile the block code badly: docs/benchmark.md tells how Java 17 did until the block kernels were
 * written for it).
 */
final class KernelPath {
    private static final System.Logger LOG = System.getLogger(KernelPath.class.getName());

    /** F16 and BF16 rows in vector lanes. */
    static final boolean HALF_VECTOR;
    /** Plain Q4_0, Q4_1, Q5_0, Q5_1 blocks, TQ1_0, TQ2_0 and MXFP4 in vector lanes. */
    static final boolean BLOCK_VECTOR;

    static {
        String scalarBecause = null;
        if (Boolean.getBoolean("quantforge.kernels.scalar")) {
            scalarBecause = "-Dquantforge.kernels.scalar=true";
        } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            scalarBecause = "jdk.incubator.vector is not in the JVM (--add-modules jdk.incubator.vector)";
        } else if (!VectorLanes.usable()) {
            scalarBecause = "the CPU has no eight-lane float vectors";
        }
        HALF_VECTOR = scalarBecause == null;
        BLOCK_VECTOR = HALF_VECTOR && !"scalar".equals(System.getProperty("quantforge.kernels.blocks"));
        if (HALF_VECTOR) {
            LOG.log(Level.INFO, "quantization kernels: Vector API, {0} float lanes, for F16 and BF16{1}",
                    VectorLanes.floats(), BLOCK_VECTOR ? ", Q4_0, Q4_1, Q5_0, Q5_1, TQ1_0, TQ2_0 and MXFP4"
                            : "; scalar Q4_0, Q4_1, Q5_0, Q5_1, TQ1_0, TQ2_0 and MXFP4 (-Dquantforge.kernels.blocks=scalar)");
        } else {
            LOG.log(Level.INFO, "quantization kernels: scalar ({0})", scalarBecause);
        }
    }

    /**
     * Values a block type quantizes in its scalar code, per JVM, before it moves to its vector code for good
     * ({@code -Dquantforge.kernels.blockScalarValues=N}; 0: vector from the start, as the engine tests and the
     * kernel benchmarks run). The vector code is two to four times faster once C2 has compiled it, but until
     * then the JVM interprets each Vector API call: a run pays 1.3 to 1.6 s of CPU warming it up (a 398 M
     * parameter Q4_0 file took 2.6 s of CPU with the vector code from the start, 1.9 s with the scalar code
     * throughout). That pays back after about a billion values, so a smaller model stays scalar end to end and
     * a bigger one, or a worker's JVM after its first jobs, runs the vector code.
     */
    static VectorSearchGate blockGate() {
        return new VectorSearchGate(Long.getLong("quantforge.kernels.blockScalarValues", 1L << 30));
    }

    private KernelPath() {
    }
}
