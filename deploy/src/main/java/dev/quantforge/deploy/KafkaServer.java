package dev.quantforge.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single Apache Kafka node in KRaft mode, broker and controller in one JVM, run from Kafka's
 * Maven artifacts (laid out in {@code stack/kafka} at build time). The storage directory is
 * formatted once; the server configuration is rewritten on every start so port changes apply.
 */
final class KafkaServer implements LocalServer {

    private static final int NODE_ID = 1;

    private final StackSettings settings;
    private final Path classpath;

    KafkaServer(StackSettings settings, Path distribution) {
        this.settings = settings;
        this.classpath = distribution.resolve("kafka");
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public List<Integer> ports() {
        return List.of(settings.kafkaPort(), settings.kafkaControllerPort());
    }

    @Override
    public ProcessHandle start() throws IOException {
        Path home = settings.dataDir().resolve("kafka");
        Path logDirs = home.resolve("data");
        Files.createDirectories(logDirs);
        Path config = home.resolve("server.properties");
        Files.writeString(config, serverProperties(logDirs));
        Path log4j = home.resolve("log4j2.properties");
        try (InputStream in = KafkaServer.class.getResourceAsStream("kafka-log4j2.properties")) {
            Files.copy(in, log4j, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> jvm = List.of(DetachedProcess.java(), "-cp", classpath.resolve("*").toString(),
                "-Dlog4j2.configurationFile=" + log4j);
        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            format(jvm, config);
        }
        List<String> command = new ArrayList<>(jvm);
        // A small heap is plenty for local topics (Kafka's own scripts default to 1 GiB). The client
        // compiler and the serial collector start faster and hold less memory; a local stack never
        // runs long or hot enough for the server compiler to pay off.
        command.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.awt.headless=true", "kafka.Kafka", config.toString()));
        return DetachedProcess.start(command, log());
    }

    private void format(List<String> jvm, Path config) throws IOException {
        List<String> command = new ArrayList<>(jvm);
        command.addAll(List.of("kafka.tools.StorageTool", "format",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString()));
        int exit = DetachedProcess.run("formatting Kafka storage", command, log(), 120);
        if (exit != 0) {
            throw new IOException("formatting Kafka storage failed (exit " + exit + "); see " + log());
        }
    }

    private String serverProperties(Path logDirs) {
        String host = StackSettings.HOST;
        return String.join("\n",
                "# Written by dev.quantforge.deploy.LocalStack on every start; edits are lost.",
                "process.roles=broker,controller",
                "node.id=" + NODE_ID,
                "controller.quorum.voters=" + NODE_ID + "@" + host + ":" + settings.kafkaControllerPort(),
                "listeners=PLAINTEXT://" + host + ":" + settings.kafkaPort()
                        + ",CONTROLLER://" + host + ":" + settings.kafkaControllerPort(),
                "advertised.listeners=PLAINTEXT://" + host + ":" + settings.kafkaPort(),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + logDirs,
                // One node: every internal topic has exactly one replica.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Few internal partitions and no join delay keep the first consumer group quick.
                "offsets.topic.num.partitions=4",
                "group.initial.rebalance.delay.ms=0",
                "");
    }

    @Override
    public void probe() throws Exception {
        LocalServer.requireListening(settings.kafkaPort());
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "quantforge-stack-probe",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(config)) {
            if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                throw new IllegalStateException("Kafka reports no broker yet");
            }
        }
    }

    @Override
    public String endpoint() {
        return "bootstrap.servers=" + settings.kafkaBootstrapServers();
    }

    @Override
    public StopSignal stopSignal() {
        return StopSignal.TERM;
    }

    @Override
    public Path log() {
        return settings.logDir().resolve("kafka.log");
    }
}
