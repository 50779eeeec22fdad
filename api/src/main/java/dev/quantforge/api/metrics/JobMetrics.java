package dev.quantforge.api.metrics;

import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service's figures for Prometheus: jobs by state and the queue depth (counted in the database
 * every few seconds, so a scrape never waits for a query and every instance reports the same), task
 * durations by outcome, and task events by what became of them.
 */
@ApplicationScoped
public class JobMetrics {

    private final MeterRegistry registry;
    private final EntityManager em;
    private final Map<JobState, AtomicLong> jobsByState = new EnumMap<>(JobState.class);
    private final AtomicLong queuedTasks = new AtomicLong();

    public JobMetrics(MeterRegistry registry, EntityManager em) {
        this.registry = registry;
        this.em = em;
        for (JobState state : JobState.values()) {
            AtomicLong count = new AtomicLong();
            jobsByState.put(state, count);
            Gauge.builder("quantforge.jobs", count, AtomicLong::get)
                    .description("Jobs in each state")
                    .tag("state", state.name())
                    .register(registry);
        }
        Gauge.builder("quantforge.tasks.queued", queuedTasks, AtomicLong::get)
                .description("Tasks waiting for a worker: the queue depth")
                .register(registry);
    }

    /** Set when the application stops: a refresh then would find the datasource already closing. */
    private volatile boolean stopping;

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Scheduled(every = "${qf.metrics.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (stopping) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("select state, count(*) from jobs group by state").getResultList();
            jobsByState.values().forEach(c -> c.set(0));
            for (Object[] row : rows) {
                jobsByState.get(JobState.valueOf((String) row[0])).set(((Number) row[1]).longValue());
            }
            Number queued = (Number) em.createNativeQuery("select count(*) from tasks where state = 'QUEUED'")
                    .getSingleResult();
            queuedTasks.set(queued.longValue());
        });
    }

    /** A task reached a final state after running for {@code duration}. */
    public void taskFinished(TaskState outcome, Duration duration) {
        Timer.builder("quantforge.task.duration")
                .description("Time from a task's start to its end, by outcome")
                .tag("outcome", outcome.name())
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
    }

    /** A task event was read from Kafka; {@code outcome}: applied, duplicate, ignored, unknown_task, malformed. */
    public void eventReceived(String outcome) {
        Counter.builder("quantforge.task.events")
                .description("Task events read from Kafka, by what became of them")
                .tag("outcome", outcome.toLowerCase(Locale.ROOT))
                .register(registry)
                .increment();
    }
}
