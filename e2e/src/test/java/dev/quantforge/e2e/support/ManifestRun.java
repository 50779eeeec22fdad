package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The api and workers started with the environment the dev overlay's manifests give their containers
 * ({@code kubectl kustomize k8s/overlays/dev}: the ConfigMap through {@code envFrom}, then {@code env}; Secrets
 * with the local stack's credentials), on the local stack. What a cluster and this machine must differ in is
 * replaced, and only that: the dev Services' host names by the stack's loopback addresses, {@code /scratch} by a
 * directory of the run, each process's port; and what keeps this run apart from others on the shared stack (the
 * topic names, consumer groups, database and results bucket, all named after the run). {@link #replaced()} lists it.
 */
public final class ManifestRun implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String runId;
    private final Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<ObjectNode> objects;
    private LocalStackServers stack;
    private RunTopics topics;
    private String database;
    private Storage storage;
    private ApiClient client;
    /** The API's operator key (QF_AUTH_ADMIN_KEY), with which the run creates its API key. */
    private final String operatorKey = ApiClient.newOperatorKey();
    private final String streamTokenSecret = ApiClient.newOperatorKey();
    private final Map<String, String> replaced = new LinkedHashMap<>();

    private ManifestRun(String name) {
        this.runId = name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyMMdd-HHmmss")) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        this.dir = Path.of(System.getProperty("quantforge.e2e.dir", "target/e2e")).toAbsolutePath().resolve(runId);
        this.objects = Manifests.render("dev");
    }

    /** Renders the dev overlay, reuses or starts the stack, makes the run's database and source bucket. */
    public static ManifestRun start(String name) {
        ManifestRun run = new ManifestRun(name);
        try {
            run.stack = LocalStackServers.up(Product.root(), run.dir);
            run.toClose.add(run.stack);
            run.database = run.runId.replace('-', '_');
            run.stack.sql("create database " + run.database);
            run.toClose.add(0, () -> run.stack.sql("drop database if exists " + run.database + " with (force)"));
            run.topics = RunTopics.create(run.stack.kafkaBootstrapServers(), run.runId);
            run.toClose.add(0, run.topics);
            run.storage = new Storage(run.stack.s3Endpoint(), run.stack.s3Region(), run.stack.s3AccessKey(),
                    run.stack.s3SecretKey());
            run.storage.createBucket(run.sourceBucket());
        } catch (RuntimeException | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    public List<ObjectNode> objects() {
        return objects;
    }

    public Path dir() {
        return dir;
    }

    public Storage storage() {
        return storage;
    }

    public ApiClient api() {
        return client;
    }

    public String sourceBucket() {
        return runId + "-models";
    }

    public String resultsBucket() {
        return runId + "-results";
    }

    /** What was put in place of the manifests' values (variable → why), for the tests' reports. */
    public Map<String, String> replaced() {
        return replaced;
    }

    /**
     * The environment the manifests give the container of {@code deployment} (a pod named {@code podName}), with
     * the replacements of the class comment; {@code extra} is added (a test's own setting), and named as such.
     */
    public Map<String, String> environment(String deployment, String podName, int httpPort, Map<String, String> extra) {
        JsonNode workload = Manifests.find(objects, "Deployment", deployment);
        JsonNode container = Manifests.podSpec(workload).path("containers").get(0);
        Map<String, String> env = Manifests.environment(objects, container, Map.of(
                "quantforge-postgres", Map.of("username", stack.jdbcUser(), "password", ""),
                "quantforge-s3", Map.of("access-key", stack.s3AccessKey(), "secret-key", stack.s3SecretKey()),
                "quantforge-auth", Map.of("admin-key", operatorKey, "stream-token-secret", streamTokenSecret)), podName);
        Map<String, String> runNames = new LinkedHashMap<>(topics.environment());
        runNames.keySet().removeIf(k -> k.endsWith("_PARTITIONS")); // the manifests' partition counts stand
        runNames.put("QF_S3_RESULTS_BUCKET", resultsBucket());
        runNames.put("QF_HTTP_PORT", Integer.toString(httpPort));
        for (Map.Entry<String, String> e : new ArrayList<>(env.entrySet())) {
            String value = e.getValue()
                    .replace("jdbc:postgresql://postgres:5432/quantforge", stack.jdbcUrl(database))
                    .replace("http://minio:9000", stack.s3Endpoint())
                    .replace("kafka:9092", stack.kafkaBootstrapServers());
            if (e.getKey().equals("QF_WORKER_SCRATCH_DIR")) {
                value = dir.resolve(podName + "-scratch").toString();
            }
            if (runNames.containsKey(e.getKey())) {
                value = runNames.get(e.getKey());
            }
            if (!value.equals(e.getValue())) {
                replaced.put(e.getKey(), e.getValue() + " -> " + value);
                env.put(e.getKey(), value);
            }
        }
        for (String key : runNames.keySet()) {
            if (!env.containsKey(key)) {
                throw new AssertionError("the manifests do not set " + key + " for " + deployment);
            }
        }
        // a credential is named, never shown
        extra.forEach((k, v) -> replaced.put(k, "(test) " + (k.endsWith("_KEY") ? "(secret)" : v)));
        env.putAll(extra);
        return env;
    }

    public ServiceProcess startApi() {
        int port = ServiceProcess.freePort();
        ServiceProcess api = ServiceProcess.start(runId + "-api", Product.root().resolve("api/target/quarkus-app/quarkus-run.jar"),
                List.of(), environment("quantforge-api", "quantforge-api-0", port, Map.of(
                        "QF_TENANTS_SOURCES_DEFAULT", "s3://" + sourceBucket())), port, dir.resolve("api.log"),
                stack.registry());
        toClose.add(0, api);
        api.awaitReady(START_TIMEOUT);
        URI base = URI.create("http://127.0.0.1:" + port);
        client = new ApiClient(base, new ApiClient(base, operatorKey).createKey("default", "e2e " + runId,
                List.of("jobs:submit", "jobs:read")));
        return api;
    }

    /** Starts a worker (pod {@code podName}) and waits until it is ready; {@code extra} as for {@link #environment}. */
    public ServiceProcess startWorker(String podName, Map<String, String> extra) {
        ServiceProcess worker = launchWorker(podName, extra);
        worker.awaitReady(START_TIMEOUT);
        return worker;
    }

    /** Starts a worker without waiting for it. */
    public ServiceProcess launchWorker(String podName, Map<String, String> extra) {
        int port = ServiceProcess.freePort();
        Map<String, String> env = environment("quantforge-worker", podName, port, extra);
        try {
            Files.createDirectories(Path.of(env.get("QF_WORKER_SCRATCH_DIR")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ServiceProcess worker = ServiceProcess.start(podName, Product.root().resolve("worker/target/quarkus-app/quarkus-run.jar"),
                List.of(), env, port, dir.resolve(podName + ".log"), stack.registry());
        toClose.add(0, worker);
        return worker;
    }

    public S3Uri uploadStories(String prefix) {
        return storage.uploadDirectory(Product.STORIES, new S3Uri(sourceBucket(), prefix));
    }

    /** The worker's count of tasks ended with {@code outcome}, from its Prometheus metrics. */
    public static double tasksEnded(ServiceProcess worker, String outcome) {
        String metrics = worker.get("/q/metrics");
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("quantforge_worker_tasks_total{outcome=\"" + outcome + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** Resident set size of the process, from /proc (Linux). */
    public static long rssBytes(ServiceProcess process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public synchronized void close() {
        Closeables.closeAll(toClose, "stopping the run");
    }

}
