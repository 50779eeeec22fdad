package dev.quantforge.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantforge bench-kernels}: what it prints, and the types a user can get wrong. */
class BenchKernelsCliTest {

    @Test
    void printsOnlyWhatItMeasured() {
        CliRun run = CliRun.of("bench-kernels", "--types", "Q8_0", "--seconds", 0);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("Q8_0 +\\d+\\.\\d")), run.out());
        assertFalse(run.out().contains("ggml"), "no figures recorded elsewhere: " + run.out());
    }

    @Test
    void aGgmlTypeWithoutAQuantizerIsOneLineAndExitOne() {
        assertUserError(CliRun.of("bench-kernels", "--types", "Q8_K"), "quantization to Q8_K is not supported");
    }

    @Test
    void anUnknownTypeIsOneLineAndExitOne() {
        assertUserError(CliRun.of("bench-kernels", "--types", "NOPE"), "unknown type NOPE");
    }

    @Test
    void aBadTypeIsRefusedBeforeTheOthersAreMeasured() {
        assertUserError(CliRun.of("bench-kernels", "--types", "Q4_0,Q8_K"), "Q8_K");
    }

    private static void assertUserError(CliRun run, String expected) {
        assertEquals(1, run.exitCode(), "a user's error, as every command reports it: " + run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(run.err().contains("Exception"), run.err());
        assertEquals("", run.out());
    }
}
