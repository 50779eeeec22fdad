package dev.quantforge.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak resident set over a stretch of work, from Linux's high-water mark: writing 5 to
 * {@code /proc/self/clear_refs} resets {@code VmHWM} to the current RSS, so the peak of one stage can be read
 * in a long-lived process (a worker runs many benchmarks). Elsewhere, or where the reset is refused, nothing is
 * reported rather than a figure that spans other work.
 */
final class PeakRss {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STATUS = Path.of("/proc/self/status");

    private final boolean reset;

    private PeakRss(boolean reset) {
        this.reset = reset;
    }

    /** Starts measuring here. */
    static PeakRss start() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return new PeakRss(true);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return new PeakRss(false);
        }
    }

    /** The peak since {@link #start()}, in bytes, or null when it could not be measured. */
    Long bytes() {
        if (!reset) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no figure
        }
        return null;
    }
}
