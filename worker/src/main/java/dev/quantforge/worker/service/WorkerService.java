package dev.quantforge.worker.service;

import dev.quantforge.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

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

    private volatile Worker worker;

    void start(@Observes StartupEvent startup) throws InterruptedException {
        Worker w = new Worker(config, kafka, registry);
        w.start();
        worker = w;
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
