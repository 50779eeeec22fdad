package dev.quantforge.worker.testing;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.CancelMessage;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.quality.QualityGates;
import dev.quantforge.deploy.StackSettings;
import dev.quantforge.worker.config.WorkerConfig;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.service.Worker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A test's own corner of the real stack: topics and a consumer group named after a fresh run id (so that
 * parallel or earlier runs, and the API's tests, never see each other's records), a bucket prefix, a
 * producer that publishes tasks as the API does, and a reader of everything on the events topic.
 */
public final class TestBed implements AutoCloseable {
    public static final String BUCKET = "quantforge-worker-test";
    public static final int TASK_PARTITIONS = 4;

    public final String run;
    public final StackSettings stack = LocalStackFixture.settings();
    public final String tasksTopic;
    public final String eventsTopic;
    public final String controlTopic;
    public final String group;
    public final MinioClient s3;
    private final KafkaProducer<String, byte[]> producer;
    private final List<TaskEvent> events = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> eventReader;
    private final Thread eventThread;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Path> scratchDirs = new ArrayList<>();
    private volatile boolean open = true;

    /** A test bed of its own. */
    public TestBed() {
        this("t" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** The test bed named {@code run}: a second one with the same name shares the first one's topics. */
    public TestBed(String run) {
        this.run = run;
        this.tasksTopic = "qf-test." + run + ".tasks";
        this.eventsTopic = "qf-test." + run + ".events";
        this.controlTopic = "qf-test." + run + ".control";
        this.group = "workers-" + run;
        s3 = MinioClient.builder().endpoint(stack.s3Endpoint()).credentials(stack.s3AccessKey(), stack.s3SecretKey())
                .region("us-east-1").build();
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build())) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
            }
        } catch (ErrorResponseException e) {
            if (!e.errorResponse().code().startsWith("BucketAlready")) {
                throw new IllegalStateException(e);
            }
        } catch (Exception e) {
            throw new IllegalStateException("S3 at " + stack.s3Endpoint() + " does not work", e);
        }
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()))) {
            if (!admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(tasksTopic)) {
                admin.createTopics(List.of(new NewTopic(tasksTopic, TASK_PARTITIONS, (short) 1),
                        new NewTopic(eventsTopic, TASK_PARTITIONS, (short) 1),
                        new NewTopic(controlTopic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the test's topics", e);
        }
        producer = new KafkaProducer<>(kafka(), new StringSerializer(), new ByteArraySerializer());
        eventReader = new KafkaConsumer<>(kafka(), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < TASK_PARTITIONS; p++) {
            partitions.add(new TopicPartition(eventsTopic, p));
        }
        eventReader.assign(partitions);
        eventReader.seekToBeginning(partitions);
        eventThread = new Thread(this::readEvents, "test-events-" + run);
        eventThread.setDaemon(true);
        eventThread.start();
    }

    public Map<String, Object> kafka() {
        return Map.of("bootstrap.servers", stack.kafkaBootstrapServers());
    }

    /** The worker configuration for this test bed, as {@code qf.*} properties; {@code extra} wins. */
    public Map<String, String> workerProperties(String workerId, Map<String, String> extra) {
        Map<String, String> p = new HashMap<>();
        p.put("qf.s3.endpoint", stack.s3Endpoint());
        p.put("qf.s3.access-key", stack.s3AccessKey());
        p.put("qf.s3.secret-key", stack.s3SecretKey());
        p.put("qf.kafka.bootstrap-servers", stack.kafkaBootstrapServers());
        p.put("qf.kafka.topics.tasks.name", tasksTopic);
        p.put("qf.kafka.topics.events.name", eventsTopic);
        p.put("qf.kafka.topics.control.name", controlTopic);
        p.put("qf.worker.group", group);
        p.put("qf.kafka.poll-timeout", "PT0.2S");
        p.put("qf.worker.id", workerId);
        p.put("qf.worker.engine-threads", "2");
        p.put("qf.worker.shutdown-grace", "PT10S");
        p.put("qf.retry.initial-backoff", "PT0.1S");
        p.putAll(extra);
        return p;
    }

    public WorkerConfig config(String workerId, Map<String, String> extra) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(WorkerConfig.class)
                .addDefaultInterceptors()
                .addSystemSources()
                .withSources(new PropertiesConfigSource(workerProperties(workerId, extra), "test-bed", 500))
                .build();
        return config.getConfigMapping(WorkerConfig.class);
    }

    /** Starts a worker of this test bed's group with a scratch directory of its own. */
    public Worker startWorker(String workerId, Map<String, String> extra) {
        return startWorker(workerId, extra, Map.of());
    }

    /** … with Kafka client settings of its own on top of the bootstrap servers. */
    public Worker startWorker(String workerId, Map<String, String> extra, Map<String, Object> kafkaExtra) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("qf-worker-" + workerId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>(Map.of("qf.worker.scratch-dir", scratch.toString()));
        props.putAll(extra);
        Map<String, Object> kafka = new HashMap<>(kafka());
        kafka.putAll(kafkaExtra);
        Worker worker = new Worker(config(workerId, props), kafka, new SimpleMeterRegistry());
        try {
            worker.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        workers.add(worker);
        scratchDirs.add(scratch);
        return worker;
    }

    /** The scratch directory of the n-th worker started (0-based). */
    public Path scratchDir(int worker) {
        return scratchDirs.get(worker);
    }

    /** Uploads the regular files of {@code dir} (not its subdirectories) under {@code prefix}; returns the s3:// prefix. */
    public String uploadDir(Path dir, String prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                upload(file, prefix + "/" + file.getFileName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "s3://" + BUCKET + "/" + prefix + "/";
    }

    public String upload(Path file, String key) {
        try {
            s3.uploadObject(UploadObjectArgs.builder().bucket(BUCKET).object(key).filename(file.toString()).build());
        } catch (Exception e) {
            throw new IllegalStateException("upload of " + file + " failed", e);
        }
        return "s3://" + BUCKET + "/" + key;
    }

    public byte[] get(String uri) {
        String[] parts = bucketAndKey(uri);
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(parts[0]).object(parts[1]).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + uri, e);
        }
    }

    /** When the object was last written. */
    public Instant lastModified(String uri) {
        String[] parts = bucketAndKey(uri);
        try {
            return s3.statObject(StatObjectArgs.builder().bucket(parts[0]).object(parts[1]).build()).lastModified().toInstant();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stat " + uri, e);
        }
    }

    public void put(String uri, byte[] content) {
        String[] parts = bucketAndKey(uri);
        try {
            s3.putObject(PutObjectArgs.builder().bucket(parts[0]).object(parts[1])
                    .stream(new ByteArrayInputStream(content), content.length, -1).build());
        } catch (Exception e) {
            throw new IllegalStateException("cannot write " + uri, e);
        }
    }

    public boolean exists(String uri) {
        String[] parts = bucketAndKey(uri);
        try {
            s3.statObject(StatObjectArgs.builder().bucket(parts[0]).object(parts[1]).build());
            return true;
        } catch (ErrorResponseException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("cannot stat " + uri, e);
        }
    }

    /** A task as the API makes it: results under {@code <bucket>/<model>/<job>/<variant>/}. */
    public TaskMessage task(UUID jobId, String model, String source, SourceFormat format, Recipe recipe) {
        return task(jobId, model, source, format, recipe, null, QualityGates.NONE);
    }

    /** … with the job's own evaluation text (or null) and quality gates. */
    public TaskMessage task(UUID jobId, String model, String source, SourceFormat format, Recipe recipe, String evalText,
                            QualityGates gates) {
        String variant = recipe.variantName();
        return new TaskMessage(UUID.randomUUID(), jobId, model, source, format, variant, recipe, null,
                "s3://" + BUCKET + "/" + run + "/results/" + model + "/" + jobId + "/" + variant + "/", evalText, gates);
    }

    /** Publishes a task keyed by its task id, so that a job's tasks spread over the partitions. */
    public void publish(TaskMessage task) {
        send(new ProducerRecord<>(tasksTopic, task.taskId().toString(), MessageCodec.encode(task)));
    }

    /** Publishes a task to a chosen partition (still keyed by its task id). */
    public void publish(TaskMessage task, int partition) {
        send(new ProducerRecord<>(tasksTopic, partition, task.taskId().toString(), MessageCodec.encode(task)));
    }

    public void publishRaw(int partition, String key, byte[] value) {
        send(new ProducerRecord<>(tasksTopic, partition, key, value));
    }

    public void cancel(UUID jobId) {
        send(new ProducerRecord<>(controlTopic, jobId.toString(), MessageCodec.encode(new CancelMessage(jobId))));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish to " + record.topic(), e);
        }
    }

    /** Every event of a task received so far, in the order the events topic holds them. */
    public List<TaskEvent> events(UUID taskId) {
        return events.stream().filter(e -> e.taskId().equals(taskId)).toList();
    }

    /** Waits for the first terminal event of a task; returns the task's events up to and including it. */
    public List<TaskEvent> awaitEnd(UUID taskId, Duration timeout) {
        return awaitEnds(taskId, 1, timeout);
    }

    /** Waits for the n-th terminal event of a task (a redelivered task ends twice). */
    public List<TaskEvent> awaitEnds(UUID taskId, int ends, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<TaskEvent> mine = events(taskId);
            long terminal = mine.stream().filter(e -> isTerminal(e.type())).count();
            if (terminal >= ends) {
                return mine;
            }
            sleep(50);
        }
        throw new AssertionError("task " + taskId + " did not end " + ends + " time(s) within " + timeout + "; events: "
                + events(taskId).stream().map(e -> e.type() + (e.reason() == null ? "" : " " + e.reason())).toList());
    }

    public Optional<TaskEvent> firstOf(UUID taskId, TaskEvent.Type type) {
        return events(taskId).stream().filter(e -> e.type() == type).findFirst();
    }

    public static boolean isTerminal(TaskEvent.Type type) {
        return type != TaskEvent.Type.STARTED && type != TaskEvent.Type.PROGRESS;
    }

    private void readEvents() {
        try {
            while (open) {
                for (ConsumerRecord<String, byte[]> record : eventReader.poll(Duration.ofMillis(100))) {
                    events.add(MessageCodec.event(record.value()));
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            eventReader.close();
        }
    }

    private static String[] bucketAndKey(String uri) {
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        return new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void stop(Worker worker) {
        worker.close();
        workers.remove(worker);
    }

    /** Stops the workers still running (in parallel: each gives its tasks the shutdown grace). */
    public void stopWorkers() {
        workers.parallelStream().forEach(Worker::close);
        workers.clear();
    }

    /** Stops this test bed's workers and clients, leaving its topics to whoever else uses them. */
    public void closeReader() {
        stopWorkers();
        open = false;
        eventReader.wakeup();
        try {
            eventThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        closeReader();
        try (Admin admin = Admin.create(kafka())) {
            admin.deleteTopics(List.of(tasksTopic, eventsTopic, controlTopic)).all().get(30, TimeUnit.SECONDS);
            admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // topics of a test run are named after it: a leftover bothers no one
        }
    }
}
