package dev.quantforge.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantforge bench-kernels}: what it prints. */
class BenchKernelsCliTest {

    @Test
    void printsOnlyWhatItMeasured() {
        CliRun run = CliRun.of("bench-kernels", "--types", "Q8_0", "--seconds", 0);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("Q8_0 +\\d+\\.\\d")), run.out());
        assertFalse(run.out().contains("ggml"), "no figures recorded elsewhere: " + run.out());
    }
}
