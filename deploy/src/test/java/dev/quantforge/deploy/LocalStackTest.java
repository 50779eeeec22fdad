package dev.quantforge.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Brings the local stack up (or uses the one already running), talks to each server the way the
 * API and the workers will, and brings it down again if it started it.
 */
class LocalStackTest {

    private static LocalStack stack;
    private static StackSettings settings;
    private static boolean startedHere;

    @BeforeAll
    static void up() throws Exception {
        Path dataDir = Path.of(System.getProperty("quantforge.stack.dir", "../.quantforge/stack"));
        settings = StackSettings.parse(List.of(), System.getenv(), dataDir);
        stack = new LocalStack(settings, LocalStack.defaultDistribution());
        startedHere = !stack.isRunning();
        stack.up(System.out);
    }

    @AfterAll
    static void down() throws Exception {
        if (startedHere) {
            stack.down(System.out);
        }
    }

    @Test
    void postgresKeepsTheRowsItIsGiven() throws Exception {
        String table = "stack_check_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection db = DriverManager.getConnection(settings.jdbcUrl(), PostgresServer.SUPERUSER, "");
                Statement statement = db.createStatement()) {
            statement.execute("create table " + table + " (id int primary key, model text not null)");
            try (PreparedStatement insert = db.prepareStatement("insert into " + table + " values (?, ?)")) {
                insert.setInt(1, 7);
                insert.setString(2, "stories260K");
                insert.executeUpdate();
            }
            try (ResultSet rows = statement.executeQuery("select id, model from " + table)) {
                assertTrue(rows.next(), "the inserted row is missing");
                assertEquals(7, rows.getInt(1));
                assertEquals("stories260K", rows.getString(2));
            }
            statement.execute("drop table " + table);
        }
    }

    @Test
    void kafkaDeliversAProducedRecordToAConsumer() throws Exception {
        String topic = "quantforge.stack-check." + UUID.randomUUID();
        String bootstrap = settings.kafkaBootstrapServers();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.<String, Object>of(
                    "bootstrap.servers", bootstrap, "acks", "all"), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "job-1", "quantize Q4_K_M")).get(30, TimeUnit.SECONDS);
            }
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            TopicPartition partition = new TopicPartition(topic, 0);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                    "bootstrap.servers", bootstrap), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                }
            }
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            assertEquals(1, received.size(), "records consumed from " + topic);
            assertEquals("job-1", received.get(0).key());
            assertEquals("quantize Q4_K_M", received.get(0).value());
        }
    }

    @Test
    void s3ReturnsTheObjectItStored() throws Exception {
        MinioClient s3 = MinioClient.builder()
                .endpoint(settings.s3Endpoint())
                .credentials(settings.s3AccessKey(), settings.s3SecretKey())
                .region(S3Server.REGION)
                .build();
        String bucket = "quantforge-stack-check";
        String key = "models/" + UUID.randomUUID() + "/manifest.json";
        byte[] content = "{\"variant\":\"Q4_0\"}".getBytes(StandardCharsets.UTF_8);
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(content), content.length, -1)
                .contentType("application/json")
                .build());
        byte[] read;
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            read = in.readAllBytes();
        }
        s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        assertArrayEquals(content, read);
    }

    @Test
    void secondUpKeepsTheServersThatRun() throws Exception {
        List<Long> before = pids();
        stack.up(System.out);
        assertEquals(before, pids(), "pids of postgres, kafka, s3 after a second up");
    }

    private static List<Long> pids() {
        return List.of("postgres", "kafka", "s3").stream()
                .map(name -> stack.registry().find(name).orElseThrow().pid())
                .toList();
    }
}
