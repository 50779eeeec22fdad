package dev.quantforge.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.common.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TensorTypeOverrideTest {

    @Test
    void aPatternPicksTheTensorsItNames() {
        TensorTypeOverride override = TensorTypeOverride.parse("BLK\\.[0-3]\\.ffn_down=q6_K");

        assertTrue(override.matches("blk.2.ffn_down.weight"));
        assertFalse(override.matches("blk.12.ffn_down.weight"));
    }

    /** A job request carries the pattern: one that backtracks exponentially must not hold a worker for ever. */
    @Test
    void aPatternThatBacktracksForEverIsRefusedInOneLine() {
        // unbounded, this match took 5.5 s on 24 characters here, 1.6 times longer with each one more
        TensorTypeOverride override = TensorTypeOverride.parse("((a+)+)+b=q8_0");
        String name = "a".repeat(64);

        InvalidInputException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(InvalidInputException.class, () -> override.matches(name)));

        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().contains("takes too long"), e.getMessage());
    }
}
