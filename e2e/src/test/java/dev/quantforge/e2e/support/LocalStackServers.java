package dev.quantforge.e2e.support;

import dev.quantforge.deploy.ProcessRegistry;
import dev.quantforge.deploy.StackSettings;

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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL, Kafka and S3 of deploy's local stack, as the api and worker modules' tests use them: a stack that
 * already runs in the stack directory is reused, otherwise {@code LocalStack up} starts it (in a JVM of its own,
 * from the jars the build laid out in {@code deploy/target/stack}) and it is stopped again at the end unless
 * {@code -Dquantforge.stack.keep=true}. The stack's {@code QF_*_PORT} variables apply, as for {@code deploy/local}.
 */
public final class LocalStackServers implements AutoCloseable {
    private static final List<String> SERVERS = List.of("postgres", "kafka", "s3");

    private final Path root;
    private final StackSettings settings;
    private final Path logDir;
    private final boolean startedHere;
    private final Properties endpoints = new Properties();

    private LocalStackServers(Path root, StackSettings settings, Path logDir) {
        this.root = root;
        this.settings = settings;
        this.logDir = logDir;
        ProcessRegistry registry = registry();
        this.startedHere = !SERVERS.stream().allMatch(name -> registry.find(name).isPresent());
    }

    public static LocalStackServers up(Path root, Path logDir) {
        Path dataDir = Path.of(System.getProperty("quantforge.stack.dir", root.resolve(".quantforge/stack").toString()));
        LocalStackServers stack = new LocalStackServers(root, StackSettings.parse(List.of(), System.getenv(), dataDir), logDir);
        // `up` also when everything runs: it waits until every server answers and rewrites endpoints.properties
        stack.run("up");
        try (InputStream in = Files.newInputStream(stack.settings.dataDir().resolve("endpoints.properties"))) {
            stack.endpoints.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stack;
    }

    /** Where the API and the workers register, so that {@code deploy/local down} stops them if these tests cannot. */
    public ProcessRegistry registry() {
        return new ProcessRegistry(settings.pidDir());
    }

    /** The server's JDBC URL with {@code database} in place of the default one. */
    public String jdbcUrl(String database) {
        String server = jdbcUrl();
        return server.substring(0, server.lastIndexOf('/') + 1) + database;
    }

    public String jdbcUrl() {
        return endpoint("jdbc.url");
    }

    public String jdbcUser() {
        return endpoint("jdbc.user");
    }

    /** Runs one statement on the server's default database, e.g. creating or dropping a run's database. */
    public void sql(String statement) {
        try (Connection db = DriverManager.getConnection(jdbcUrl(), jdbcUser(), "");
             Statement s = db.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + " failed: " + e.getMessage(), e);
        }
    }

    public String kafkaBootstrapServers() {
        return endpoint("kafka.bootstrap.servers");
    }

    public String s3Endpoint() {
        return endpoint("s3.endpoint");
    }

    public String s3Region() {
        return endpoint("s3.region");
    }

    public String s3AccessKey() {
        return endpoint("s3.access-key");
    }

    public String s3SecretKey() {
        return endpoint("s3.secret-key");
    }

    /** {@code HOST:PORT} of the stack's OCI registry (plain HTTP), when it runs one (docker-registry installed). */
    public java.util.Optional<String> registryAddress() {
        return java.util.Optional.ofNullable(endpoints.getProperty("registry.address"));
    }

    private String endpoint(String name) {
        String value = endpoints.getProperty(name);
        if (value == null) {
            throw new IllegalStateException(settings.dataDir().resolve("endpoints.properties") + " has no " + name);
        }
        return value;
    }

    @Override
    public void close() {
        if (startedHere && !Boolean.getBoolean("quantforge.stack.keep")) {
            run("down");
        }
    }

    private void run(String command) {
        Path target = root.resolve("deploy/target");
        if (!Files.isRegularFile(target.resolve("stack/s3proxy/s3proxy.jar"))
                || !Files.isDirectory(target.resolve("classes/dev/quantforge/deploy"))) {
            throw new IllegalStateException("the local stack is not built: run ./mvnw -pl deploy process-classes"
                    + " (or build with -am)");
        }
        String classpath = String.join(File.pathSeparator, target.resolve("classes").toString(),
                target.resolve("stack/postgres/*").toString(), target.resolve("stack/kafka/*").toString());
        Path log = logDir.resolve("stack-" + command + ".log");
        try {
            Files.createDirectories(logDir);
            Process process = new ProcessBuilder(JavaLauncher.path(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-cp", classpath, "dev.quantforge.deploy.LocalStack", command, "--dir=" + settings.dataDir())
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(4, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("stack " + command + " did not finish within 4 minutes; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("stack " + command + " failed:\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run stack " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during stack " + command, e);
        }
    }
}
