package dev.quantforge.engine.quant;

import java.lang.System.Logger.Level;

/**
 * Which implementation the plain kernels run, chosen once when this class is first used and logged.
 * Vector lanes need {@code jdk.incubator.vector} in the JVM ({@code --add-modules jdk.incubator.vector}),
 * eight-lane float vectors on the CPU, and no {@code -Dquantforge.kernels.scalar=true}; else every
 * kernel runs its scalar code. Both give the same bytes; the scalar code stays as the reference the vector
 * code is tested against.
 *
 * <p>F16 and BF16 ({@link #HALF_VECTOR}) take the vector lanes by default. Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0,
 * TQ2_0 and MXFP4 ({@link #BLOCK_VECTOR}) race their vector kernel against their scalar one until the vector
 * kernel, compiled, is the faster ({@link KernelRace}); {@code -Dquantforge.kernels.blocks=vector} takes the
 * vector kernels from the start, {@code =scalar} keeps the block types on their scalar code while F16 and BF16
 * stay vectorised (to compare the two, or should a JVM compile the block code badly: docs/benchmark.md tells
 * how Java 17 did until the block kernels were written for it).
 */
final class KernelPath {
    private static final System.Logger LOG = System.getLogger(KernelPath.class.getName());

    /** F16 and BF16 rows in vector lanes. */
    static final boolean HALF_VECTOR;
    /** Plain Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 blocks, TQ1_0, TQ2_0 and MXFP4 in vector lanes. */
    static final boolean BLOCK_VECTOR;
    /** The block types start on their scalar code and move to the vector code once it is the faster. */
    static final boolean BLOCK_RACE;

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
        String blocks = System.getProperty("quantforge.kernels.blocks", "race");
        BLOCK_VECTOR = HALF_VECTOR && !"scalar".equals(blocks);
        BLOCK_RACE = BLOCK_VECTOR && !"vector".equals(blocks);
        if (HALF_VECTOR) {
            String blockTypes = "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0, TQ2_0 and MXFP4";
            String blockNote = !BLOCK_VECTOR ? "; scalar " + blockTypes + " (-Dquantforge.kernels.blocks=scalar)"
                    : BLOCK_RACE ? "; " + blockTypes + " once faster than their scalar code" : ", " + blockTypes;
            // plain text, no format parameters: MessageFormat's locale data cost a quantize's start-up 10-15 ms
            LOG.log(Level.INFO, "quantization kernels: Vector API, " + VectorLanes.floats()
                    + " float lanes, for F16 and BF16" + blockNote);
        } else {
            LOG.log(Level.INFO, "quantization kernels: scalar (" + scalarBecause + ")");
        }
    }

    private KernelPath() {
    }
}
