package dev.quantforge.engine.quant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorSearchGateTest {

    @Test
    void staysScalarUntilItHasSeenItsValuesThenVectorForGood() {
        VectorSearchGate gate = new VectorSearchGate(1000);
        assertFalse(gate.vector(600));
        assertFalse(gate.vector(400), "1000 values seen is not more than 1000");
        assertFalse(gate.vector(1), "the call that crosses the threshold still runs scalar");
        assertTrue(gate.vector(1));
        assertTrue(gate.vector(1_000_000));
    }

    @Test
    void zeroMeansVectorFromTheStart() {
        assertTrue(new VectorSearchGate(0).vector(8));
    }

    @Test
    void refusesANegativeThreshold() {
        assertThrows(IllegalArgumentException.class, () -> new VectorSearchGate(-1));
    }
}
