package dev.quantforge.api.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.quality.BenchmarkSummary;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * What the tests need around the API: source models in S3, job submissions over HTTP, and a
 * stand-in worker that reports task events to Kafka the way a real one does.
 */
@ApplicationScoped
public class Fixtures {

    public static final String MODELS_BUCKET = "models";

    private final MinioClient s3;
    private final ObjectMapper json;
    private KafkaProducer<String, String> producer;

    public Fixtures(MinioClient s3, ObjectMapper json) {
        this.s3 = s3;
        this.json = json;
    }

    /** A Hugging Face checkpoint directory (only its config.json matters to the API); returns its URI. */
    public String hfModel(String name) {
        put(name + "/config.json", "{\"model_type\": \"llama\"}");
        return "s3://" + MODELS_BUCKET + "/" + name;
    }

    public String ggufModel(String name) {
        put(name + ".gguf", "GGUF");
        return "s3://" + MODELS_BUCKET + "/" + name + ".gguf";
    }

    /** A UTF-8 text in the models bucket, as a job's own evaluation text; returns its URI. */
    public String text(String key, String content) {
        put(key, content);
        return "s3://" + MODELS_BUCKET + "/" + key;
    }

    private void put(String key, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(MODELS_BUCKET).build())) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(MODELS_BUCKET).build());
            }
            s3.putObject(PutObjectArgs.builder().bucket(MODELS_BUCKET).object(key)
                    .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        } catch (Exception e) {
            throw new IllegalStateException("cannot put " + key + ": " + e, e);
        }
    }

    /** A request body: an hf source and the given targets (profile names or recipe maps). */
    public Map<String, Object> request(String sourceUri, List<Object> targets, Map<String, String> labels) {
        return Map.of("source", Map.of("uri", sourceUri, "format", "hf"), "targets", targets, "labels", labels);
    }

    public Response post(Object body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs");
    }

    /** Submits and expects 202. */
    public JobView submit(Object body) {
        return read(post(body).then().statusCode(202).extract().asString(), JobView.class);
    }

    public JobView job(UUID id) {
        return read(given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().asString(), JobView.class);
    }

    public <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unexpected JSON: " + text, e);
        }
    }

    /** A worker's report about a task, with a fresh event id. */
    public TaskEvent event(TaskView task, UUID jobId, TaskEvent.Type type, int progress) {
        TaskEvent.VariantResult result = type == TaskEvent.Type.SUCCEEDED || type == TaskEvent.Type.REJECTED
                ? result(task) : null;
        String reason = switch (type) {
            case FAILED -> "out of disk";
            case REJECTED -> "perplexity over the gate";
            case CANCELLED -> "cancelled";
            default -> null;
        };
        return new TaskEvent(UUID.randomUUID(), task.id(), jobId, type, Instant.now(), "worker-test", progress,
                reason, result);
    }

    /**
     * A worker's report that a task's variant was built and benchmarked: SUCCEEDED, or REJECTED with
     * the figures over the gates as the reason; a rejected variant's files are under rejected/.
     */
    public TaskEvent benchmarked(TaskView task, UUID jobId, BenchmarkSummary figures, String rejectedBecause) {
        return benchmarked(task, jobId, figures, rejectedBecause, List.of(), List.of());
    }

    /** As above, with the source objects the worker read and the references it pushed the variant to. */
    public TaskEvent benchmarked(TaskView task, UUID jobId, BenchmarkSummary figures, String rejectedBecause,
                                 List<TaskEvent.SourceObject> sourceObjects, List<String> ociReferences) {
        boolean rejected = rejectedBecause != null;
        String prefix = task.resultsPrefix() + (rejected ? "rejected/" : "");
        TaskEvent.VariantResult result = new TaskEvent.VariantResult(prefix + "manifest.json",
                List.of(new TaskEvent.StoredFile(prefix + "model-" + task.variant() + ".gguf", figures.modelBytes(),
                        "cd".repeat(32))),
                figures.modelBytes(), figures.bitsPerWeight(), 300_000, 10, 20, 700, 730, figures, sourceObjects,
                ociReferences);
        return new TaskEvent(UUID.randomUUID(), task.id(), jobId, rejected ? TaskEvent.Type.REJECTED
                : TaskEvent.Type.SUCCEEDED, Instant.now(), "worker-test", 100, rejectedBecause, result);
    }

    private static TaskEvent.VariantResult result(TaskView task) {
        String model = task.resultsPrefix() + "model-" + task.variant() + ".gguf";
        return new TaskEvent.VariantResult(task.resultsPrefix() + "manifest.json",
                List.of(new TaskEvent.StoredFile(model, 1234, "ab".repeat(32))), 1234, 4.5, 300_000, 10, 20, 0, 30, null,
                List.of(), List.of());
    }

    /** Publishes events to the events topic keyed by job id, as a worker does, and waits for the broker. */
    public void report(TaskEvent... events) {
        try {
            for (TaskEvent event : events) {
                producer().send(new ProducerRecord<>(eventsTopic(), event.jobId().toString(),
                        json.writeValueAsString(event))).get();
            }
        } catch (JsonProcessingException | ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Publishes any text to the events topic, as a broken producer might. */
    public void reportRaw(UUID jobId, String value) {
        try {
            producer().send(new ProducerRecord<>(eventsTopic(), jobId.toString(), value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String eventsTopic() {
        return ConfigProvider.getConfig().getValue("qf.kafka.topics.events.name", String.class);
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close();
        }
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            String servers = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
            producer = new KafkaProducer<>(Map.of("bootstrap.servers", servers), new StringSerializer(),
                    new StringSerializer());
        }
        return producer;
    }
}
