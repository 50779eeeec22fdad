package dev.quantforge.worker.tasks;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressReporterTest {
    private final List<Integer> reported = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final ProgressReporter progress = new ProgressReporter(reported::add, 5, Duration.ofSeconds(2), now::get);

    @Test
    void phasesShareOneScaleAndSmallStepsWaitForTheInterval() {
        progress.update(ProgressReporter.Phase.DOWNLOAD, 1, 2);      // 10 %
        progress.update(ProgressReporter.Phase.DOWNLOAD, 2, 2);      // 20 %
        progress.update(ProgressReporter.Phase.BUILD, 1, 40);        // 21 %: too small a step, too soon
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        progress.update(ProgressReporter.Phase.BUILD, 1, 40);        // 21 %: the interval passed
        progress.update(ProgressReporter.Phase.BUILD, 40, 40);       // 60 %
        progress.update(ProgressReporter.Phase.BENCHMARK, 0, 10);    // 60 %: no change, nothing sent
        progress.update(ProgressReporter.Phase.BENCHMARK, 10, 10);   // 95 %
        progress.update(ProgressReporter.Phase.UPLOAD, 10, 10);      // 100 %
        assertEquals(List.of(10, 20, 21, 60, 95, 100), reported);
    }
}
