package dev.quantforge.worker.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Liveness: the worker's Kafka loops run (a worker whose consumer died takes no tasks and must be
 * restarted). Readiness: it is started and object storage answers; Kafka's own readiness check comes
 * from the Kafka extension ({@code quarkus.kafka.health.enabled}).
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
            if (worker == null) {
                // still starting: not dead
                return response.up().withData("state", "starting").build();
            }
            return response.status(worker.isAlive()).withData("id", worker.id()).withData("running", worker.busy())
                    .withData("partitions", worker.assignedPartitions()).build();
        }
    }

    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        @Inject
        WorkerService service;

        @Override
        public HealthCheckResponse call() {
            Worker worker = service.worker();
            boolean started = worker != null && worker.isAlive();
            boolean storage = worker != null && worker.storageAnswers();
            return HealthCheckResponse.named("worker-ready").status(started && storage)
                    .withData("started", started).withData("object-storage", storage).build();
        }
    }
}
