package dev.quantforge.engine.quant;

import java.lang.System.Logger.Level;

/**
 * Which implementation the plain kernels run, chosen once when this class is first used and logged.
 * Vector lanes need {@code jdk.incubator.vector} in the JVM ({@code --add-modules jdk.incubator.vector}),
 * eight-lane float vectors on the CPU, and no {@code -Dquantforge.kernels.scalar=true}; else every
 * kernel runs its scalar code. Both give the same bytes; the scalar code stays as the reference the vector
 * code is tested against.
 *
 * <p>F16 and BF16 take the vector lanes by default ({@link #HALF_VECTOR}). Q4_0, Q4_1, Q5_0 and Q5_1
 * take them only with {@code -Dquantforge.kernels.blocks=vector} ({@link #BLOCK_VECTOR}): alone in a JVM
 * they beat the scalar code by 1.5 to 2.5 times, but once the F16 or BF16 vector code has run in the same
 * JVM, Java 17 compiles their vector operations to boxed objects and they fall below the scalar code
 * (measured; docs/benchmark.md).
 */
final class KernelPath {
    private static final System.Logger LOG = System.getLogger(KernelPath.class.getName());

    /** F16 and BF16 rows in vector lanes. */
    static final boolean HALF_VECTOR;
    /** Plain Q4_0, Q4_1, Q5_0, Q5_1 blocks in vector lanes. */
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
        BLOCK_VECTOR = HALF_VECTOR && "vector".equals(System.getProperty("quantforge.kernels.blocks"));
        if (HALF_VECTOR) {
            LOG.log(Level.INFO, "quantization kernels: Vector API, {0} float lanes, for F16 and BF16{1}",
                    VectorLanes.floats(), BLOCK_VECTOR ? " and Q4_0 to Q5_1" : "; scalar Q4_0 to Q5_1");
        } else {
            LOG.log(Level.INFO, "quantization kernels: scalar ({0})", scalarBecause);
        }
    }

    private KernelPath() {
    }
}
