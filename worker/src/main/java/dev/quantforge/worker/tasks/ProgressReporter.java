package dev.quantforge.worker.tasks;

import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Turns the phases of a task into one percentage and passes it on sparingly: when it moved by at least
 * {@code step} percent, or when {@code interval} passed and it moved at all. Downloading counts for
 * the first 20 %, building for the next 40 %, benchmarking for the next 35 % (a task that is not
 * benchmarked jumps over them), uploading for the last 5 %. Used by one thread at a time.
 */
final class ProgressReporter {
    enum Phase {
        DOWNLOAD(0, 20), BUILD(20, 60), BENCHMARK(60, 95), UPLOAD(95, 100);

        final int from;
        final int to;

        Phase(int from, int to) {
            this.from = from;
            this.to = to;
        }
    }

    private final IntConsumer report;
    private final int step;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private int lastPercent;
    private long lastAt;

    ProgressReporter(IntConsumer report, int step, Duration interval, LongSupplier nanoClock) {
        if (step < 1 || step > 100) {
            throw new IllegalArgumentException("progress step must be 1..100 percent, got " + step);
        }
        this.report = report;
        this.step = step;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.lastAt = nanoClock.getAsLong();
    }

    /** {@code done} of {@code total} units of {@code phase} are done. */
    void update(Phase phase, long done, long total) {
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int percent = phase.from + (int) Math.floor(fraction * (phase.to - phase.from));
        long now = nanoClock.getAsLong();
        if (percent >= lastPercent + step || (percent > lastPercent && now - lastAt >= intervalNanos)) {
            lastPercent = percent;
            lastAt = now;
            report.accept(percent);
        }
    }

    int lastReported() {
        return lastPercent;
    }
}
