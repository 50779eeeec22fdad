package dev.quantforge.api.support;

import dev.quantforge.deploy.ProcessRegistry;
import dev.quantforge.deploy.StackSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Runs the API's tests against real servers: starts the deploy module's local stack (PostgreSQL,
 * Kafka, S3) with {@code LocalStack up}, or reuses it if it already runs, gives the tests a database
 * of their own, created afresh, and topics and a consumer group named after the run (so workers or an
 * API running against the same stack neither see the tests' tasks nor feed them events), and points
 * the API at all three. A stack started here is stopped after the tests unless
 * {@code -Dquantforge.stack.keep=true}.
 */
public final class LocalStackResource implements QuarkusTestResourceLifecycleManager {

    private static final List<String> SERVERS = List.of("postgres", "kafka", "s3");

    private final String run = "test-" + UUID.randomUUID().toString().substring(0, 8);
    /** Named after the run: test runs of other checkouts on the same stack must not drop each other's database. */
    private final String database = "quantforge_api_" + run.replace('-', '_');
    private String serverUrl;
    private String user;
    private final List<String> topics = List.of("quantforge.tasks." + run, "quantforge.events." + run,
            "quantforge.control." + run, "quantforge.catalog." + run);
    private final String group = "quantforge-api-" + run;
    private String kafkaServers;
    private Path root;
    private StackSettings settings;
    private boolean startedHere;

    @Override
    public Map<String, String> start() {
        root = Path.of(System.getProperty("quantforge.root", "..")).toAbsolutePath().normalize();
        settings = StackSettings.parse(List.of(), System.getenv(), root.resolve(".quantforge").resolve("stack"));
        ProcessRegistry registry = new ProcessRegistry(settings.pidDir());
        startedHere = !SERVERS.stream().allMatch(name -> registry.find(name).isPresent());
        stack("up");
        Properties endpoints = new Properties();
        try (InputStream in = Files.newInputStream(settings.dataDir().resolve("endpoints.properties"))) {
            endpoints.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        serverUrl = endpoints.getProperty("jdbc.url");
        user = endpoints.getProperty("jdbc.user");
        database("drop database if exists " + database + " with (force)", "create database " + database);
        kafkaServers = endpoints.getProperty("kafka.bootstrap.servers");
        return Map.ofEntries(
                Map.entry("qf.kafka.topics.tasks.name", topics.get(0)),
                Map.entry("qf.kafka.topics.events.name", topics.get(1)),
                Map.entry("qf.kafka.topics.control.name", topics.get(2)),
                Map.entry("qf.kafka.topics.catalog.name", topics.get(3)),
                Map.entry("qf.events.group", group),
                Map.entry("qf.kafka.topics.tasks.partitions", "3"),
                Map.entry("qf.kafka.topics.events.partitions", "3"),
                Map.entry("qf.db.url", serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1) + database),
                Map.entry("qf.db.user", user),
                Map.entry("qf.kafka.bootstrap-servers", kafkaServers),
                Map.entry("qf.s3.endpoint", endpoints.getProperty("s3.endpoint")),
                Map.entry("qf.s3.region", endpoints.getProperty("s3.region")),
                Map.entry("qf.s3.access-key", endpoints.getProperty("s3.access-key")),
                Map.entry("qf.s3.secret-key", endpoints.getProperty("s3.secret-key")));
    }

    @Override
    public void stop() {
        deleteRunTopics();
        try {
            database("drop database if exists " + database + " with (force)");
        } catch (IllegalStateException e) {
            System.err.println("cannot drop the test database " + database + ": " + e.getMessage());
        }
        if (startedHere && !Boolean.getBoolean("quantforge.stack.keep")) {
            stack("down");
        }
    }

    /** The run's topics are named after it: nobody else needs them once it is over. */
    private void deleteRunTopics() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaServers))) {
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
            admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("could not delete the test run's topics: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code LocalStack} in a JVM of its own, as {@code deploy/local} does, with the jars the build laid out. */
    private void stack(String command) {
        Path deploy = root.resolve("deploy").resolve("target");
        if (!Files.isRegularFile(deploy.resolve("stack/s3proxy/s3proxy.jar"))
                || !Files.isDirectory(deploy.resolve("classes/dev/quantforge/deploy"))) {
            run(List.of(root.resolve("mvnw").toString(), "-q", "-pl", "deploy", "process-classes"), "build-stack");
        }
        String classpath = String.join(File.pathSeparator, deploy.resolve("classes").toString(),
                deploy.resolve("stack/postgres/*").toString(), deploy.resolve("stack/kafka/*").toString());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        run(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath,
                "dev.quantforge.deploy.LocalStack", command), "stack-" + command);
    }

    private void run(List<String> command, String name) {
        Path log = root.resolve("api").resolve("target").resolve(name + ".log");
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(root.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("QF_STACK_DIR", settings.dataDir().toString());
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not finish within 5 minutes; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(name + " failed:\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A clean database for every run (results of earlier runs would only confuse the assertions), dropped after it. */
    private void database(String... statements) {
        try (Connection db = DriverManager.getConnection(serverUrl, user, "");
                Statement statement = db.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create or drop the test database: " + e.getMessage(), e);
        }
    }
}
