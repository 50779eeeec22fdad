package dev.quantforge.worker.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Liveness: the worker's Kafka loops run (a worker whose consumer died takes no tasks and must be
 * restarted); a worker waiting for Kafka is alive. Readiness: it is started (Kafka answered) and object
 * storage answers; Kafka's own readiness check comes from the Kafka extension
 * ({@code quarkus.kafka.health.enabled}).
 */
final class WorkerHealth {
    private WorkerHealth() {
    }

    @Liveness
    @ApplicationScoped
    static class Alive implements HealthCheck {
        @Inject
        WorkerService service;

        @Override
        public HealthCheckResponse call() {
            Worker worker = service.worker();
            HealthCheckResponseBuilder response = HealthCheckResponse.named("worker");
            if (service.failure() != null) {
                // it cannot start (a bug or a setting it cannot use): a restart is the way out
                return response.down().withData("failure", String.valueOf(service.failure())).build();
            }
            if (worker == null || !worker.isStarted()) {
                // still starting, or waiting for Kafka (readiness says so): not dead
                return response.up().withData("state", "starting").build();
            }
            return response.status(worker.isAlive()).withData("id", worker.id()).withData("running", worker.busy())
                    .withData("partitions", worker.assignedPartitions()).build();
        }
    }

    /**
     * Not ready while the worker waits for Kafka or object storage does not answer; the reason is in the response
     * and, once per change, in the log.
     */
    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        private static final Logger LOG = Logger.getLogger(WorkerHealth.class);

        @Inject
        WorkerService service;

        private final AtomicReference<String> lastProblem = new AtomicReference<>();

        @Override
        public HealthCheckResponse call() {
            Worker worker = service.worker();
            boolean started = worker != null && worker.isStarted() && worker.isAlive();
            Optional<String> storage = worker == null ? Optional.of("not created yet") : worker.storageProblem();
            List<String> problems = new ArrayList<>();
            if (!started) {
                String why = worker == null ? null : worker.startProblem();
                problems.add(why != null ? why : service.failure() != null ? "failed to start: " + service.failure()
                        : "starting");
            }
            storage.ifPresent(problems::add);
            String problem = problems.isEmpty() ? null : String.join("; ", problems);
            String before = lastProblem.getAndSet(problem);
            if (problem != null && !problem.equals(before) && !problem.equals("starting")) {
                LOG.warnf("not ready: %s", problem);
            } else if (problem == null && before != null) {
                LOG.info("ready");
            }
            HealthCheckResponseBuilder response = HealthCheckResponse.named("worker-ready")
                    .status(problem == null).withData("started", started).withData("object-storage", storage.isEmpty());
            return problem == null ? response.build() : response.withData("reason", problem).build();
        }
    }
}
