package dev.quantforge.worker.service;

import dev.quantforge.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;

/** The application's worker: started with Quarkus, stopped before it (running tasks get the shutdown grace). */
@ApplicationScoped
public class WorkerService {

    @Inject
    WorkerConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    MeterRegistry registry;

    private static final Logger LOG = Logger.getLogger(WorkerService.class);

    private volatile Worker worker;
    private volatile RuntimeException failure;

    /**
     * Starts the worker off the startup thread, so that the application (its health checks) is up even while
     * Kafka cannot be reached: the worker then reports not ready, with the reason, and keeps trying.
     */
    void start(@Observes StartupEvent startup) {
        Worker w = new Worker(config, kafka, registry);
        worker = w;
        Thread starter = new Thread(() -> {
            try {
                w.start();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.error("the worker did not start", e);
                failure = e;
            }
        }, "worker-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** Why the worker could not start at all (not a wait for Kafka: that is {@link Worker#startProblem()}), or null. */
    RuntimeException failure() {
        return failure;
    }

    void stop(@Observes ShutdownEvent shutdown) {
        Worker w = worker;
        if (w != null) {
            w.close();
        }
    }

    /** The running worker, or null before it started. */
    Worker worker() {
        return worker;
    }
}
