package dev.quantforge.engine.quant;

import jdk.incubator.vector.FloatVector;

/** The machine's vector width, asked only once the incubator module is known to be there. */
final class VectorLanes {
    private VectorLanes() {
    }

    static int floats() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    /** Eight or sixteen float lanes run as machine instructions and hold whole halves of a 32-value block. */
    static boolean usable() {
        return LegacyVectorBlocks.fits() && HalfVectorRows.fits();
    }
}
