package dev.quantforge.api.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.api.support.TopicReader;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobSubmissionTest {

    @Inject
    Fixtures fixtures;

    @Inject
    AgroalDataSource database;

    @Test
    void aSubmittedJobIsStoredAndEachTargetBecomesOneTaskMessageOnKafka() {
        String source = fixtures.hfModel("stories-submit");
        try (TopicReader tasks = TopicReader.tasks()) {
            String location = fixtures.post(Map.of(
                            "source", Map.of("uri", source, "format", "hf"),
                            "targets", List.of("cpu-x86-avx2", Map.of("format", "gguf", "ftype", "Q5_K_M",
                                    "options", Map.of("outputTensorType", "q8_0"))),
                            "labels", Map.of("team", "search"),
                            "name", "stories for search"))
                    .then().statusCode(202)
                    .header("Location", containsString("/api/v1/jobs/"))
                    .body("state", equalTo("QUEUED"))
                    .body("name", equalTo("stories for search"))
                    .body("modelName", equalTo("stories-submit"))
                    .body("labels.team", equalTo("search"))
                    .body("tasks.state", hasItems("QUEUED", "QUEUED"))
                    .extract().header("Location");
            JobView job = fixtures.read(given().get(location).then().statusCode(200).extract().asString(),
                    JobView.class);
            assertEquals(2, job.tasks().size());
            assertEquals("Q4_K_M", job.tasks().get(0).variant());
            assertEquals("cpu-x86-avx2", job.tasks().get(0).profile());
            assertNull(job.tasks().get(1).profile());
            assertEquals("Q8_0", job.tasks().get(1).recipe().outputTensorType());

            assertEquals(List.of("QUEUED", "QUEUED"), column("select state from tasks where job_id = ? order by position",
                    job.id()));
            for (int i = 0; i < 2; i++) {
                TaskView task = job.tasks().get(i);
                // keyed by task id, so that a job's tasks spread over partitions and workers
                List<ConsumerRecord<String, String>> records = tasks.await(task.id().toString(), 1);
                assertEquals(1, records.size(), "one TaskMessage per target");
                TaskMessage message = fixtures.read(records.get(0).value(), TaskMessage.class);
                assertEquals(task.id(), message.taskId());
                assertEquals(job.id(), message.jobId());
                assertEquals(source, message.source());
                assertEquals(SourceFormat.HF, message.sourceFormat());
                assertEquals(task.recipe(), message.recipe());
                assertEquals("s3://quantforge-results/stories-submit/" + job.id() + "/" + task.variant() + "/",
                        message.resultsPrefix());
                assertEquals(message.resultsPrefix(), task.resultsPrefix());
            }
            // the relay marks what it published
            Eventually.holds(() -> assertEquals(List.of(), column(
                    "select o.id::text from outbox o join tasks t on o.message_key = t.id::text"
                            + " where t.job_id = ? and o.sent_at is null", job.id())));
        }
    }

    @Test
    void publishTargetsAreStoredShownAndResolvedIntoEveryTaskMessage() {
        String source = fixtures.hfModel("stories-publish");
        try (TopicReader tasks = TopicReader.tasks()) {
            JobView job = fixtures.submit(Map.of("source", Map.of("uri", source, "format", "hf"),
                    "targets", List.of("cpu-x86-avx2", "arm-mobile"),
                    "publish", List.of(Map.of("oci", "oci://registry.example.com/models/stories"),
                            Map.of("oci", "registry.example.com:5000/packs/stories:v1", "format", "modelpack"))));
            List<PublishTarget> given = List.of(new PublishTarget("registry.example.com/models/stories", "ollama"),
                    new PublishTarget("registry.example.com:5000/packs/stories:v1", "modelpack"));
            assertEquals(given, job.publish());
            JobView read = fixtures.read(given().get("/api/v1/jobs/" + job.id()).then().statusCode(200).extract().asString(),
                    JobView.class);
            assertEquals(given, read.publish(), "stored with the job");
            for (TaskView task : read.tasks()) {
                List<PublishTarget> resolved = List.of(
                        new PublishTarget("registry.example.com/models/stories:" + task.variant(), "ollama"),
                        new PublishTarget("registry.example.com:5000/packs/stories:v1-" + task.variant(), "modelpack"));
                assertEquals(resolved, task.publish(), "each variant to a tag of its own");
                TaskMessage message = fixtures.read(tasks.await(task.id().toString(), 1).get(0).value(), TaskMessage.class);
                assertEquals(resolved, message.publish());
            }
            assertEquals(List.of("modelpack"), column("select publish->1->>'format' from jobs where id = ?", job.id()));
        }
        given().contentType(ContentType.JSON)
                .body(Map.of("source", Map.of("uri", source, "format", "hf"), "targets", List.of("arm-mobile"),
                        "publish", List.of(Map.of("oci", "registry.example.com/Models/Stories", "format", "tar"))))
                .post("/api/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("publish[0].oci", "publish[0].format"));
    }

    @Test
    void aGgufSourceIsOneObject() {
        String source = fixtures.ggufModel("tiny-q8");
        JobView job = fixtures.submit(Map.of("source", Map.of("uri", source, "format", "gguf"),
                "targets", List.of("arm-mobile")));
        assertEquals("tiny-q8", job.modelName());
        assertEquals(new JobView.Source(source, "gguf"), job.source());
        assertEquals(TaskState.QUEUED, job.tasks().get(0).state());
        assertEquals(JobState.QUEUED, job.state());
    }

    @Test
    void theSameIdempotencyKeyAndBodyGiveTheSameJobAndADifferentBodyConflicts() {
        String source = fixtures.hfModel("stories-idempotent");
        String key = "submit-" + UUID.randomUUID();
        Map<String, Object> body = fixtures.request(source, List.of("arm-mobile"), Map.of("run", "1"));
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        // the same request again, formatted differently: the same job, not a new one
        String reordered = "{\"labels\": {\"run\": \"1\"}, \"targets\": [\"arm-mobile\"],\n"
                + " \"source\": {\"format\": \"hf\", \"uri\": \"" + source + "\"}}";
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(reordered)
                .post("/api/v1/jobs").then().statusCode(200)
                .header("Location", containsString(first))
                .body("id", equalTo(first));
        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(fixtures.request(source, List.of("edge-extreme"), Map.of("run", "1")))
                .post("/api/v1/jobs").then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:quantforge:problem:idempotency-key-reused"))
                .body("detail", containsString(first));
        assertEquals(List.of("1"), column("select count(*)::text from idempotency_keys where key = ?", key));
    }

    @Test
    void aMissingSourceIsUnprocessable() {
        given().contentType(ContentType.JSON)
                .body(fixtures.request("s3://models/never-uploaded", List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(422)
                .contentType("application/problem+json")
                .body("status", equalTo(422))
                .body("detail", containsString("no config.json under s3://models/never-uploaded"));
        given().contentType(ContentType.JSON)
                .body(Map.of("source", Map.of("uri", "s3://models/never-uploaded.gguf", "format", "gguf"),
                        "targets", List.of("arm-mobile")))
                .post("/api/v1/jobs").then().statusCode(422)
                .body("detail", equalTo("no object at s3://models/never-uploaded.gguf"));
        given().contentType(ContentType.JSON)
                .body(fixtures.request("s3://no-such-bucket-here/x", List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(422)
                .body("detail", equalTo("bucket 'no-such-bucket-here' does not exist"));
    }

    @Test
    void anInvalidRequestNamesEveryInvalidField() {
        given().contentType(ContentType.JSON)
                .body(Map.of("source", Map.of("uri", "http://models/x", "format", "safetensors"),
                        "targets", List.of("no-such-profile", Map.of("format", "gguf", "ftype", "Q9_K")),
                        "labels", Map.of("team", 7)))
                .post("/api/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:quantforge:problem:invalid-request"))
                .body("errors.field", hasItems("source.uri", "source.format", "targets[0]", "targets[1].ftype",
                        "labels.team"))
                .body("errors.find { it.field == 'targets[0]' }.message", startsWith("unknown profile 'no-such-profile'"))
                .body(not(containsString("Exception")));
    }

    @Test
    void aMalformedBodyIsABadRequestNotAStackTrace() {
        given().contentType(ContentType.JSON).body("{\"source\": ")
                .post("/api/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("body"))
                .body(not(containsString("at com.")));
        given().contentType(ContentType.JSON).body("[]")
                .post("/api/v1/jobs").then().statusCode(400)
                .body("errors[0].message", equalTo("must be a JSON object"));
        given().contentType(ContentType.TEXT).body("cpu-x86-avx2")
                .post("/api/v1/jobs").then().statusCode(415)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("source", Map.of("uri", "s3://models/x", "format", "hf")))
                .post("/api/v1/jobs").then().statusCode(400)
                .body("errors.field", equalTo(List.of("targets")));
    }

    @Test
    void unknownJobsAreNotFound() {
        given().get("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        given().get("/api/v1/jobs/not-a-uuid").then().statusCode(404);
        given().delete("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(404);
    }

    private List<String> column(String sql, Object parameter) {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, parameter);
            try (ResultSet rows = s.executeQuery()) {
                List<String> values = new ArrayList<>();
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
                return values;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
