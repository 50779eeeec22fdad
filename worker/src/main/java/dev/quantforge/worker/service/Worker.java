package dev.quantforge.worker.service;

import dev.quantforge.common.config.TopicSettings;
import dev.quantforge.common.config.TopicSpec;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.worker.bench.BenchmarkSettings;
import dev.quantforge.worker.bench.BenchmarkStage;
import dev.quantforge.worker.build.VariantBuilder;
import dev.quantforge.worker.cancel.CancelWatcher;
import dev.quantforge.worker.config.WorkerConfig;
import dev.quantforge.worker.consumer.TaskConsumer;
import dev.quantforge.worker.download.SourceDownloader;
import dev.quantforge.worker.events.EventPublisher;
import dev.quantforge.worker.publish.Publisher;
import dev.quantforge.worker.publish.RegistryPusher;
import dev.quantforge.worker.retry.Retrier;
import dev.quantforge.worker.storage.ObjectStore;
import dev.quantforge.worker.tasks.TaskProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One worker: a member of the task topic's group, a reader of the control topic, an event producer and
 * the task processor, wired from configuration. Plain Java, so that a test can run two in one JVM; the
 * Quarkus application runs one ({@link WorkerService}).
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Worker.class);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
    /** How long one attempt to reach Kafka at start may take, and the pause before the next. */
    private static final Duration SETUP_ATTEMPT = Duration.ofSeconds(10);
    private static final Duration SETUP_PAUSE = Duration.ofSeconds(5);

    private final String id;
    private final WorkerConfig config;
    private final Map<String, Object> kafka;
    private final ObjectStore store;
    private final EventPublisher events;
    private final CancelWatcher cancels;
    private final TaskConsumer consumer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean started;
    private volatile String startProblem;

    /**
     * @param kafka the Kafka client settings shared by every client of the worker (bootstrap servers, security)
     */
    public Worker(WorkerConfig config, Map<String, Object> kafka, MeterRegistry registry) {
        this.config = config;
        this.kafka = Map.copyOf(kafka);
        this.id = config.worker().id().orElseGet(Worker::defaultId);
        WorkerConfig.Worker w = config.worker();
        WorkerConfig.Kafka k = config.kafka();
        TopicSettings topics = k.topics();
        WorkerConfig.Retry r = config.retry();
        int engineThreads = w.engineThreads()
                .orElse(Math.max(1, Runtime.getRuntime().availableProcessors() / w.concurrency()));
        this.store = new ObjectStore(config.s3().endpoint(), config.s3().accessKey(), config.s3().secretKey(),
                config.s3().region(), new Retrier(r.attempts(), r.initialBackoff(), r.maxBackoff()));
        this.events = new EventPublisher(kafka, topics.events().name(), k.eventDeliveryTimeout());
        this.cancels = new CancelWatcher(kafka, topics.control().name(), k.cancelLookback(), k.pollTimeout(), id);
        TaskProcessor processor = new TaskProcessor(new SourceDownloader(store), new VariantBuilder(engineThreads),
                new BenchmarkStage(store, benchmarkSettings(config.benchmark(), engineThreads)),
                new Publisher(store, id, Clock.systemUTC()),
                new RegistryPusher(RegistryPusher.Settings.of(config.oci()), new Retrier(r.attempts(), r.initialBackoff(), r.maxBackoff()), store),
                events, cancels, w.scratchDir(), id, w.progressStep(),
                w.progressInterval(), Clock.systemUTC());
        WorkerMetrics metrics = new WorkerMetrics(registry);
        this.consumer = new TaskConsumer(kafka, topics.tasks().name(), w.group(), w.concurrency(), k.pollTimeout(),
                w.shutdownGrace(), id, new WorkerTaskHandler(processor, events, metrics));
        metrics.gaugeRunning(consumer::busy);
    }

    /**
     * Creates missing topics, reads the control topic up to now, then joins the task topic's group. While Kafka
     * cannot be reached it keeps trying (the reason in the log and in {@link #startProblem()}, readiness down)
     * rather than failing: an orchestrator restarting it would not make Kafka come sooner. Returns when started,
     * or when the worker was closed meanwhile.
     */
    public void start() throws InterruptedException {
        TopicSettings topics = config.kafka().topics();
        store.problem().ifPresent(problem -> LOG.warnf("not ready: %s", problem));
        if (topics.create()) {
            for (int attempt = 1; !closed.get(); attempt++) {
                try {
                    TopicSetup.ensure(kafka, TopicSpec.of(topics), SETUP_ATTEMPT);
                    if (startProblem != null) {
                        LOG.infof("Kafka at %s answers now", config.kafka().bootstrapServers());
                    }
                    startProblem = null;
                    break;
                } catch (IllegalStateException e) {
                    startProblem = "Kafka at " + config.kafka().bootstrapServers() + " not reachable: " + e.getMessage();
                    LOG.warnf("not ready (attempt %d): %s; trying again in %d s", attempt, startProblem,
                            SETUP_PAUSE.toSeconds());
                    Thread.sleep(SETUP_PAUSE.toMillis());
                }
            }
            if (closed.get()) {
                return;
            }
        }
        cancels.start();
        if (!cancels.awaitCaughtUp(CATCH_UP_TIMEOUT)) {
            LOG.warnf("control topic not read up to now within %s; starting anyway", CATCH_UP_TIMEOUT);
        }
        consumer.start();
        started = true;
        LOG.infof("worker %s started: group %s on %s, %d task(s) at a time", id, config.worker().group(),
                topics.tasks().name(), config.worker().concurrency());
    }

    /** True once {@link #start()} has joined the task topic's group. */
    public boolean isStarted() {
        return started;
    }

    /** Why the worker has not started yet (Kafka does not answer), or null. */
    public String startProblem() {
        return startProblem;
    }

    public String id() {
        return id;
    }

    /** Liveness: the threads that poll Kafka are running (a worker still starting is not dead). */
    public boolean isAlive() {
        return !started || consumer.isAlive() && cancels.isHealthy();
    }

    /** Why object storage does not answer, or empty when it does. */
    public java.util.Optional<String> storageProblem() {
        return store.problem();
    }

    /** Object storage answers (Kafka's readiness is the Kafka extension's check). */
    public boolean storageAnswers() {
        return store.answers();
    }

    public int busy() {
        return consumer.busy();
    }

    public int assignedPartitions() {
        return consumer.assignedPartitions();
    }

    /** Gives running tasks the configured grace to give up, commits what finished and leaves the group. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.close();
        cancels.close();
        events.close();
        LOG.infof("worker %s stopped", id);
    }

    private static BenchmarkSettings benchmarkSettings(WorkerConfig.Benchmark b, int engineThreads) {
        VariantBenchmark.Options options = new VariantBenchmark.Options(b.threads().orElse(engineThreads), b.promptTokens(),
                b.generationTokens(), b.warmups(), b.repetitions(), true);
        return new BenchmarkSettings(b.enabled(), options, b.maxEvalTextBytes());
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
