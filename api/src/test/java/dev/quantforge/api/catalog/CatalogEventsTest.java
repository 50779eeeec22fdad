package dev.quantforge.api.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.api.support.TopicReader;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.quality.BenchmarkSummary;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.KafkaMessageFactory;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Every CloudEvent of a job's run, read back through the SDK's Kafka binding and checked against docs/events. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class CatalogEventsTest {

    private static final Path SCHEMAS = Path.of(System.getProperty("quantforge.root", "..")).resolve("docs/events");
    private static final BenchmarkSummary FIGURES =
            new BenchmarkSummary(620_000, 4.89, 6.54, 10.0, 10.4, 4.0, 0.031, 93.5, 2100.0, 420.0, 4, "llama.cpp");

    @Inject
    Fixtures fixtures;

    @Inject
    ObjectMapper json;

    @Test
    void everyEventOfAJobsRunIsAStructuredCloudEventValidAgainstItsSchema() throws Exception {
        String source = fixtures.hfModel("events-llama");
        try (TopicReader catalog = TopicReader.catalog()) {
            JobView job = fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2",
                    Map.of("format", "gguf", "ftype", "Q8_0"), "edge-extreme"), Map.of("team", "events")));
            List<TaskEvent.SourceObject> read = List.of(
                    new TaskEvent.SourceObject(source + "config.json", 412, "0f343b0931126a20f133d67c2b018a3b", "1a".repeat(32)),
                    new TaskEvent.SourceObject(source + "model.safetensors", 9000, "9b2cf535f27731c974343645a3985328-2",
                            "2b".repeat(32)));
            fixtures.report(fixtures.benchmarked(job.tasks().get(0), job.id(), FIGURES, null, read,
                            List.of("127.0.0.1:15000/events/llama:q4_k_m@sha256:" + "3c".repeat(32))),
                    fixtures.benchmarked(job.tasks().get(1), job.id(), FIGURES, null),
                    fixtures.benchmarked(job.tasks().get(2), job.id(), FIGURES, "mean KLD 0.9 > limit 0.6"));
            Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(job.id()).state()));

            List<ConsumerRecord<String, String>> records = catalog.await("events-llama", 5);
            JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
            StringBuilder types = new StringBuilder();
            for (ConsumerRecord<String, String> record : records) {
                CloudEvent event = KafkaMessageFactory.createReader(record.headers(),
                        record.value().getBytes(StandardCharsets.UTF_8)).toEvent();
                assertEquals("1.0", event.getSpecVersion().toString());
                assertEquals("events-llama", event.getSubject());
                assertEquals("/api/v1/jobs/" + job.id(), event.getSource().toString());
                String type = event.getType().substring(CatalogEvents.PREFIX.length());
                types.append(type).append(' ');
                JsonSchema schema;
                try (InputStream in = Files.newInputStream(SCHEMAS.resolve(type + ".schema.json"))) {
                    schema = schemas.getSchema(in);
                }
                JsonNode value = json.readTree(record.value());
                Set<ValidationMessage> problems = schema.validate(value);
                assertTrue(problems.isEmpty(), type + " does not match its schema: " + problems + "\n" + value);
            }
            assertEquals("job.submitted variant.published variant.published variant.rejected job.completed",
                    types.toString().strip(), "one per change, in the order of the changes (one key, one partition)");
            JsonNode published = json.readTree(records.get(1).value()).path("data");
            assertEquals(source + "model.safetensors", published.at("/sourceObjects/1/uri").asText(), published::toString);
            assertEquals("9b2cf535f27731c974343645a3985328-2", published.at("/sourceObjects/1/etag").asText());
            assertEquals("2b".repeat(32), published.at("/sourceObjects/1/sha256").asText());
            assertEquals("127.0.0.1:15000/events/llama:q4_k_m@sha256:" + "3c".repeat(32),
                    published.at("/ociReferences/0").asText());
            JsonNode completed = json.readTree(records.get(4).value()).path("data");
            assertEquals("PARTIALLY_SUCCEEDED", completed.path("state").asText());
            assertEquals(2, completed.path("tasks").path("succeeded").asInt());
            assertEquals(1, completed.path("tasks").path("rejected").asInt());
        }
    }
}
