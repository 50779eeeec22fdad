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
    void opensAtOnceWhenTheValuesAnnouncedPassTheThreshold() {
        VectorSearchGate gate = new VectorSearchGate(1000);
        gate.expect(600);
        gate.expect(400);
        assertFalse(gate.vector(8), "1000 values announced is not more than 1000");
        gate.expect(1);
        assertTrue(gate.vector(8), "the first call after the announcements crossed the threshold runs vector");
    }

    @Test
    void announcementsAndCallsCountApart() {
        VectorSearchGate gate = new VectorSearchGate(1000);
        gate.expect(999);
        assertFalse(gate.vector(999));
        assertFalse(gate.vector(1), "a call's values are not added to the announced ones");
        assertFalse(gate.vector(1), "the call that crosses the threshold still runs scalar");
        assertTrue(gate.vector(1));
    }

    @Test
    void refusesANegativeAnnouncement() {
        assertThrows(IllegalArgumentException.class, () -> new VectorSearchGate(10).expect(-1));
    }

    @Test
    void refusesANegativeThreshold() {
        assertThrows(IllegalArgumentException.class, () -> new VectorSearchGate(-1));
    }
}
