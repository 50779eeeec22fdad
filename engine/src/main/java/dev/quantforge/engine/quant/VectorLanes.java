package dev.quantforge.engine.quant;

import jdk.incubator.vector.FloatVector;

/**
 * The vector width the plain kernels use, asked only once the incubator module is known to be there:
 * 256 bits (eight floats), the shape {@link KQuantVectorMath} uses too. One shape for every kernel
 * matters on Java 17: where the Vector API's shared code sees vectors of two shapes it no longer
 * compiles them to registers, and measured, running the F16 or Q4_0 kernels with 512-bit vectors made the
 * K-quant searches that ran after them in the same JVM three to four times slower.
 */
final class VectorLanes {
    static final int FLOATS = 8;

    private VectorLanes() {
    }

    static int floats() {
        return FLOATS;
    }

    /** Eight-lane float vectors run as machine instructions (AVX2 or wider), not as a slow emulation. */
    static boolean usable() {
        return FloatVector.SPECIES_PREFERRED.length() >= FLOATS;
    }
}
