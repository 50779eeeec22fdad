package dev.quantforge.worker.config;

import dev.quantforge.common.config.EvalTextLimit;
import dev.quantforge.common.config.KafkaSettings;
import dev.quantforge.common.config.S3Settings;
import dev.quantforge.common.messages.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything a worker is told from outside. Properties start with {@code qf.}; each can also be given
 * as an environment variable ({@code qf.s3.endpoint} → {@code QF_S3_ENDPOINT},
 * {@code qf.worker.concurrency} → {@code QF_WORKER_CONCURRENCY}). The settings the API reads as well
 * ({@code qf.kafka.*}, {@code qf.s3.*}, the evaluation text limit) come from {@code common}, with their defaults.
 */
@ConfigMapping(prefix = "qf")
public interface WorkerConfig {

    S3Settings s3();

    Kafka kafka();

    Worker worker();

    Retry retry();

    Benchmark benchmark();

    Http http();

    Oci oci();

    /** Registries that SUCCEEDED variants are pushed to, when a job asks ({@code "publish"}): the worker's access. */
    interface Oci {
        /** User name for Basic auth, and for the token service of a registry that answers with a Bearer challenge. */
        Optional<String> username();

        Optional<String> password();

        /** A bearer token sent as it is (instead of user name and password). */
        Optional<String> token();

        /** {@code HOST:PORT} of registries spoken to over plain HTTP (a registry on loopback or a test network). */
        Optional<List<String>> insecureRegistries();

        /** Blobs larger than this go up in chunks of this size. */
        @WithDefault("67108864")
        long chunkSize();

        /** How long one request may take (a monolithic upload of a large blob is one request). */
        @WithDefault("PT30M")
        Duration timeout();
    }

    /** The shared {@code qf.kafka.*} settings and the worker's own. */
    interface Kafka extends KafkaSettings {
        /** How far back a starting worker reads the control topic to learn which jobs were cancelled. */
        @WithDefault("P7D")
        Duration cancelLookback();

        /** How long the producer keeps retrying an event (with backoff) before the task's end counts as not reported. */
        @WithDefault("PT60S")
        Duration eventDeliveryTimeout();

        /** How long the poll loops wait for records before they look at finished tasks again. */
        @WithDefault("PT0.5S")
        Duration pollTimeout();
    }

    interface Worker {
        /** Names the worker in events and logs; defaults to host name and process id. */
        Optional<String> id();

        /** The workers' consumer group on the task topic. */
        @WithDefault(Topics.WORKERS_GROUP)
        String group();

        /** Tasks one worker runs at the same time. */
        @WithDefault("1")
        int concurrency();

        /** Threads the engine quantizes with, per task; defaults to the processors shared out among the concurrent tasks. */
        OptionalInt engineThreads();

        /** Where sources are downloaded and variants built; one directory per task, removed after it. */
        @WithDefault("${java.io.tmpdir}/quantforge-worker")
        Path scratchDir();

        /** On shutdown, how long running tasks get to give up (at their next tensor) before the worker leaves the group. */
        @WithDefault("PT30S")
        Duration shutdownGrace();

        /** PROGRESS events are sent at most this often… */
        @WithDefault("PT2S")
        Duration progressInterval();

        /** …unless progress moved by at least this many percent. */
        @WithDefault("5")
        int progressStep();
    }

    /** Where health and metrics are served; copied into {@code quarkus.http.*} (application.properties). */
    interface Http {
        /** 0 picks a free port, for several workers on one machine. */
        @WithDefault("8081")
        int port();

        @WithDefault("0.0.0.0")
        String host();
    }

    /**
     * Transient S3 and Kafka faults: how often to try and how long to wait in between (doubling). The defaults wait
     * 55 s in all (0.5, 1, 2, 4, 8, then 10 s four times), so that a restart of the object store (deploy/chaos stops
     * S3 for 20 s, and it takes seconds more to answer again) delays a task rather than failing it.
     */
    interface Retry {
        @WithDefault("10")
        int attempts();

        @WithDefault("PT0.5S")
        Duration initialBackoff();

        @WithDefault("PT10S")
        Duration maxBackoff();
    }

    /**
     * The benchmark stage after each build ({@code qf.benchmark.*}, {@code QF_BENCHMARK_*}): quality against
     * the source's reference logits and speed on llama.cpp.
     */
    interface Benchmark extends EvalTextLimit {
        /** False skips the stage, except for tasks with quality gates, which need the figures. */
        @WithDefault("true")
        boolean enabled();

        /** llama.cpp threads; defaults to the worker's engine threads. */
        OptionalInt threads();

        /** Tokens of the prompt-processing run (llama-bench's pp). */
        @WithDefault("128")
        int promptTokens();

        /** Tokens of the generation run (llama-bench's tg). */
        @WithDefault("64")
        int generationTokens();

        /** Unmeasured speed runs first. */
        @WithDefault("1")
        int warmups();

        /** Measured speed runs; medians and p90s are over these. */
        @WithDefault("3")
        int repetitions();
    }
}
