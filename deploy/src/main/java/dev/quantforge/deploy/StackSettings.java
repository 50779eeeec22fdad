package dev.quantforge.deploy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the local stack keeps its data and which loopback ports its servers listen on. Each value
 * comes from a flag ({@code --pg-port=15432}), else an environment variable ({@code QF_PG_PORT}),
 * else its default; {@code up}, {@code status} and {@code down} must see the same values.
 */
public record StackSettings(
        Path dataDir,
        int postgresPort,
        int kafkaPort,
        int kafkaControllerPort,
        int s3Port,
        String s3AccessKey,
        String s3SecretKey,
        int registryPort) {

    /** Every server binds to loopback only: the stack is for this machine, never for the network. */
    public static final String HOST = "127.0.0.1";

    private record Option(String flag, String env, String fallback) {
    }

    private static final Option DIR = new Option("--dir", "QF_STACK_DIR", null);
    private static final Option PG_PORT = new Option("--pg-port", "QF_PG_PORT", "15432");
    private static final Option KAFKA_PORT = new Option("--kafka-port", "QF_KAFKA_PORT", "19092");
    private static final Option KAFKA_CONTROLLER_PORT =
            new Option("--kafka-controller-port", "QF_KAFKA_CONTROLLER_PORT", "19093");
    private static final Option S3_PORT = new Option("--s3-port", "QF_S3_PORT", "18333");
    // Fixed keys are fine: S3Proxy listens on loopback only and holds nothing but local test data.
    private static final Option S3_ACCESS_KEY = new Option("--s3-access-key", "QF_S3_ACCESS_KEY", "quantforge");
    private static final Option S3_SECRET_KEY =
            new Option("--s3-secret-key", "QF_S3_SECRET_KEY", "quantforge-local-secret");
    private static final Option REGISTRY_PORT = new Option("--registry-port", "QF_REGISTRY_PORT", "15000");
    private static final List<Option> OPTIONS =
            List.of(DIR, PG_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, S3_PORT, S3_ACCESS_KEY, S3_SECRET_KEY, REGISTRY_PORT);

    public StackSettings {
        if (dataDir == null) {
            throw new IllegalArgumentException("stack data directory is missing");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        Set<Integer> ports = new HashSet<>();
        for (int port : new int[] {postgresPort, kafkaPort, kafkaControllerPort, s3Port, registryPort}) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("stack port " + port + " is outside 1..65535");
            }
            if (!ports.add(port)) {
                throw new IllegalArgumentException("stack port " + port + " is given to two servers");
            }
        }
        if (s3AccessKey.isBlank() || s3SecretKey.isBlank()) {
            throw new IllegalArgumentException("S3 access key and secret key must not be blank");
        }
    }

    /**
     * Reads the settings from {@code --name=value} flags and the environment; the data directory
     * defaults to {@code defaultDataDir}.
     */
    public static StackSettings parse(List<String> flags, Map<String, String> env, Path defaultDataDir) {
        Map<String, String> given = new HashMap<>();
        for (String flag : flags) {
            int equals = flag.indexOf('=');
            String name = equals < 0 ? flag : flag.substring(0, equals);
            if (equals < 0 || OPTIONS.stream().noneMatch(o -> o.flag().equals(name))) {
                throw new IllegalArgumentException("unknown stack option " + flag + " (expected one of "
                        + OPTIONS.stream().map(o -> o.flag() + "=...").toList() + ")");
            }
            given.put(name, flag.substring(equals + 1));
        }
        String dir = value(DIR, given, env);
        return new StackSettings(
                dir == null ? defaultDataDir : Path.of(dir),
                port(PG_PORT, given, env),
                port(KAFKA_PORT, given, env),
                port(KAFKA_CONTROLLER_PORT, given, env),
                port(S3_PORT, given, env),
                value(S3_ACCESS_KEY, given, env),
                value(S3_SECRET_KEY, given, env),
                port(REGISTRY_PORT, given, env));
    }

    private static String value(Option option, Map<String, String> given, Map<String, String> env) {
        String flag = given.get(option.flag());
        if (flag != null) {
            return flag;
        }
        String fromEnv = env.get(option.env());
        return fromEnv == null || fromEnv.isBlank() ? option.fallback() : fromEnv;
    }

    private static int port(Option option, Map<String, String> given, Map<String, String> env) {
        String text = value(option, given, env);
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    option.flag() + " / " + option.env() + " must be a port number, not '" + text + "'");
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + postgresPort + "/postgres";
    }

    public String kafkaBootstrapServers() {
        return HOST + ":" + kafkaPort;
    }

    public String s3Endpoint() {
        return "http://" + HOST + ":" + s3Port;
    }

    /** {@code HOST:PORT} of the OCI registry, as an {@code oci://} reference names it (plain HTTP). */
    public String registryAddress() {
        return HOST + ":" + registryPort;
    }

    /** Holds one file per running process of the stack (servers, and later API and workers). */
    public Path pidDir() {
        return dataDir.resolve("run");
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }
}
