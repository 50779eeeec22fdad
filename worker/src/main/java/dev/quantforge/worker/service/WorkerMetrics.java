package dev.quantforge.worker.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * What Prometheus sees of a worker: {@code quantforge_worker_tasks_total} and
 * {@code quantforge_worker_task_duration_seconds} by outcome (succeeded, rejected, failed, cancelled, abandoned,
 * unreadable), and {@code quantforge_worker_tasks_running}.
 */
final class WorkerMetrics {
    static final String TASKS = "quantforge.worker.tasks";
    static final String DURATION = "quantforge.worker.task.duration";
    static final String RUNNING = "quantforge.worker.tasks.running";

    private final MeterRegistry registry;

    WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        // present from the start at zero, so that rates and alerts work before the first task of each kind ends
        for (String outcome : List.of("succeeded", "rejected", "failed", "cancelled")) {
            counter(outcome);
        }
    }

    void gaugeRunning(IntSupplier running) {
        Gauge.builder(RUNNING, running, IntSupplier::getAsInt).description("Tasks running now")
                .strongReference(true).register(registry);
    }

    void ended(String outcome, Duration took) {
        String tag = outcome.toLowerCase(Locale.ROOT);
        counter(tag).increment();
        Timer.builder(DURATION).description("Time from taking a task to reporting its end").tag("outcome", tag)
                .register(registry).record(took);
    }

    private Counter counter(String outcome) {
        return Counter.builder(TASKS).description("Tasks ended, by outcome").tag("outcome", outcome).register(registry);
    }
}
