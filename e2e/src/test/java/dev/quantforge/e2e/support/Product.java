package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.S3Uri;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.StreamSupport;

/**
 * quantforge running as a user meets it: the local stack's servers, the API and {@link #WORKERS} workers, each a
 * JVM of its own started from the packaged {@code quarkus-run.jar} on a free port. All of them are configured from
 * one environment file ({@link #sharedEnvironment()}), as an operator would do it; only what tells one process from
 * another (its port, a worker's id and scratch directory) is added per process. Everything a run creates is named
 * after its run id (database, topics and consumer groups, buckets), so reruns and earlier leftovers never meet.
 */
public final class Product implements AutoCloseable {
    public static final int WORKERS = 2;
    public static final Path STORIES = root().resolve("models/stories260K-hf");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String runId;
    private final Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LocalStackServers stack;
    private String database;
    private Path sharedEnvironment;
    private ServiceProcess api;
    private final List<ServiceProcess> workers = new ArrayList<>();
    private ApiClient client;
    private String apiKey;
    private List<String> secrets = List.of();
    private Storage storage;

    private Product() {
        this.runId = "e2e-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyMMdd-HHmmss")) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        this.dir = Path.of(System.getProperty("quantforge.e2e.dir", "target/e2e")).toAbsolutePath().resolve(runId);
    }

    /** Starts everything; whatever had started is stopped again if a part fails. */
    public static Product start() {
        Product product = new Product();
        try {
            product.startAll();
        } catch (RuntimeException | Error e) {
            product.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(product::close, "e2e-stop"));
        return product;
    }

    private void startAll() {
        long began = System.nanoTime();
        stack = LocalStackServers.up(root(), dir);
        toClose.add(stack);
        database = runId.replace('-', '_');
        stack.sql("create database " + database);
        toClose.add(0, () -> stack.sql("drop database if exists " + database + " with (force)"));
        RunTopics topics = RunTopics.create(stack.kafkaBootstrapServers(), runId);
        toClose.add(0, topics);
        storage = new Storage(stack.s3Endpoint(), stack.s3Region(), stack.s3AccessKey(), stack.s3SecretKey());
        storage.createBucket(sourceBucket());

        Map<String, String> shared = new HashMap<>(topics.environment());
        shared.putAll(Map.of("QF_HTTP_HOST", "127.0.0.1",
                "QF_DB_URL", stack.jdbcUrl(database), "QF_DB_USER", stack.jdbcUser(),
                "QF_KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers(),
                "QF_S3_ENDPOINT", stack.s3Endpoint(), "QF_S3_REGION", stack.s3Region(),
                "QF_S3_ACCESS_KEY", stack.s3AccessKey(), "QF_S3_SECRET_KEY", stack.s3SecretKey(),
                "QF_S3_RESULTS_BUCKET", resultsBucket()));
        // the stack's registry speaks plain HTTP: the workers push a job's "publish" targets there without TLS
        stack.registryAddress().ifPresent(address -> shared.put("QF_OCI_INSECURE_REGISTRIES", address));
        sharedEnvironment = EnvFile.write(dir.resolve("shared.env"),
                "the settings of the API and the workers of e2e run " + runId, shared);

        int apiPort = ServiceProcess.freePort();
        // authentication on, as in production: the API's own settings (not the file the workers read too) hold the
        // operator key, and the run's source bucket is what the default tenant may read
        String operatorKey = ApiClient.newOperatorKey();
        api = ServiceProcess.start("e2e-api", root().resolve("api/target/quarkus-app/quarkus-run.jar"),
                List.of("-Xmx512m"), environment(Map.of("QF_HTTP_PORT", Integer.toString(apiPort),
                        "QF_AUTH_ADMIN_KEY", operatorKey, "QF_TENANTS_SOURCES_DEFAULT", "s3://" + sourceBucket())),
                apiPort, dir.resolve("api.log"), stack.registry());
        toClose.add(0, api);
        for (int i = 1; i <= WORKERS; i++) {
            int port = ServiceProcess.freePort();
            ServiceProcess worker = ServiceProcess.start(workerId(i), root().resolve("worker/target/quarkus-app/quarkus-run.jar"),
                    List.of("-Xmx768m"),
                    environment(Map.of("QF_HTTP_PORT", Integer.toString(port), "QF_WORKER_ID", workerId(i),
                            "QF_WORKER_SCRATCH_DIR", dir.resolve(workerId(i) + "-scratch").toString())),
                    port, dir.resolve(workerId(i) + ".log"), stack.registry());
            toClose.add(0, worker);
            workers.add(worker);
        }
        api.awaitReady(START_TIMEOUT);
        workers.forEach(w -> w.awaitReady(START_TIMEOUT));
        awaitTaskPartitionsShared(RunTopics.TASK_PARTITIONS);
        apiKey = new ApiClient(URI.create("http://127.0.0.1:" + apiPort), operatorKey)
                .createKey("default", "e2e " + runId, List.of("jobs:submit", "jobs:read"));
        secrets = List.of(operatorKey, apiKey);
        client = new ApiClient(URI.create("http://127.0.0.1:" + apiPort), apiKey);
        System.out.printf("e2e run %s: stack, API and %d workers ready in %.1f s; logs in %s%n", runId, WORKERS,
                (System.nanoTime() - began) / 1e9, dir);
    }

    /** The shared environment file and what tells this process from the others. */
    private Map<String, String> environment(Map<String, String> ownSettings) {
        Map<String, String> environment = new HashMap<>(EnvFile.read(sharedEnvironment));
        environment.putAll(ownSettings);
        return environment;
    }

    public static String workerId(int number) {
        return "e2e-worker-" + number;
    }

    public String runId() {
        return runId;
    }

    /** This run's directory under {@code e2e/target/e2e}: the services' logs, scratch space for the tests. */
    public Path dir() {
        return dir;
    }

    /** The environment file both services are started from: the stack, this run's database, topics and buckets. */
    public Path sharedEnvironment() {
        return sharedEnvironment;
    }

    public ApiClient api() {
        return client;
    }

    /** The run's API key (tenant default, jobs:submit and jobs:read), for the CLI and the dashboard. */
    public String apiKey() {
        return apiKey;
    }

    /** The S3 secret key the services use (a credential too). */
    public String s3SecretKey() {
        return stack.s3SecretKey();
    }

    /** Every row of every table of the run's database, as text (PostgreSQL's row literal), a line each. */
    public String databaseRows() {
        StringBuilder rows = new StringBuilder();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(database), stack.jdbcUser(), "");
             Statement statement = db.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet names = statement.executeQuery(
                    "select tablename from pg_tables where schemaname = 'public' order by tablename")) {
                while (names.next()) {
                    tables.add(names.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet all = statement.executeQuery("select t::text from \"" + table + "\" t")) {
                    while (all.next()) {
                        rows.append(table).append(": ").append(all.getString(1)).append('\n');
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the run's database: " + e.getMessage(), e);
        }
        return rows.toString();
    }

    /** The operator key the API was started with (QF_AUTH_ADMIN_KEY): the admin scope, for the key commands. */
    public String operatorKey() {
        return secrets.get(0);
    }

    /** The credentials this run made (the operator key, the API key): none may appear in a log or a record. */
    public List<String> secrets() {
        return secrets;
    }

    /** {@code HOST:PORT} of the stack's OCI registry, when it runs one. */
    public java.util.Optional<String> registryAddress() {
        return stack.registryAddress();
    }

    public Storage storage() {
        return storage;
    }

    public List<ServiceProcess> workers() {
        return List.copyOf(workers);
    }

    /** Where the tests put source models. */
    public String sourceBucket() {
        return runId + "-models";
    }

    /** Where the workers put the variants (the API's {@code QF_S3_RESULTS_BUCKET}; it creates the bucket). */
    public String resultsBucket() {
        return runId + "-results";
    }

    /** Uploads stories260K (the files of its checkpoint directory) to {@code prefix} of the source bucket. */
    public S3Uri uploadStories(String prefix) {
        return storage.uploadDirectory(STORIES, new S3Uri(sourceBucket(), prefix));
    }

    /** Stops the workers and the API (SIGTERM), drops the run's database, stops the stack if this run started it. */
    @Override
    public synchronized void close() {
        Closeables.closeAll(toClose, "stopping the e2e run");
    }

    /** The workers join one consumer group; a task published before a worker holds partitions would wait for it. */
    private void awaitTaskPartitionsShared(int partitions) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            List<Integer> held = workers.stream().map(Product::partitionsHeld).toList();
            if (held.stream().allMatch(n -> n > 0) && held.stream().mapToInt(Integer::intValue).sum() == partitions) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the workers did not share the " + partitions
                        + " task partitions within " + START_TIMEOUT.toSeconds() + " s: " + held);
            }
            ServiceProcess.sleep(Duration.ofMillis(100));
        }
    }

    /** The worker's liveness check tells how many partitions of the task topic it holds. */
    private static int partitionsHeld(ServiceProcess worker) {
        JsonNode checks = worker.health("live").path("checks");
        return StreamSupport.stream(checks.spliterator(), false).filter(c -> c.path("name").asText().equals("worker"))
                .mapToInt(c -> c.path("data").path("partitions").asInt()).findFirst().orElse(0);
    }

    /** The repository's root directory. */
    public static Path root() {
        return Path.of(System.getProperty("quantforge.root", "..")).toAbsolutePath().normalize();
    }
}
