package dev.quantforge.engine.quant;

import java.lang.System.Logger.Level;

/**
 * Which implementation the plain kernels (F16, BF16, Q4_0 … Q5_1) run, chosen once when this class is
 * first used and logged: vector lanes when the JVM has {@code jdk.incubator.vector} (started with
 * {@code --add-modules jdk.incubator.vector}), the CPU has at least eight-lane float vectors and
 * {@code -Dquantforge.kernels.scalar=true} does not ask otherwise; else the scalar code. Both give the
 * same bytes; the scalar code stays as the reference the vector code is tested against.
 */
final class KernelPath {
    private static final System.Logger LOG = System.getLogger(KernelPath.class.getName());

    static final boolean VECTOR = choose();

    private KernelPath() {
    }

    private static boolean choose() {
        String scalarBecause;
        if (Boolean.getBoolean("quantforge.kernels.scalar")) {
            scalarBecause = "-Dquantforge.kernels.scalar=true";
        } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            scalarBecause = "jdk.incubator.vector is not in the JVM (--add-modules jdk.incubator.vector)";
        } else if (!VectorLanes.usable()) {
            scalarBecause = "the CPU has no eight-lane float vectors";
        } else {
            LOG.log(Level.INFO, "quantization kernels: Vector API, {0} float lanes", VectorLanes.floats());
            return true;
        }
        LOG.log(Level.INFO, "quantization kernels: scalar ({0})", scalarBecause);
        return false;
    }
}
