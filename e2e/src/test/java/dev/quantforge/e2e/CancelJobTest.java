package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import dev.quantforge.e2e.support.SyntheticModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user cancels a job while its tasks run and wait: nothing is built after the API has taken the cancel. */
@ExtendWith(RunningProduct.class)
class CancelJobTest {
    /** More targets than workers, so that some wait in the queue while the first ones run. */
    private static final List<String> FTYPES = List.of("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K");

    @Test
    void cancellingARunningJobStopsItsRunningTasksAndDropsItsQueuedOnes(Product product) {
        // a model whose tasks take seconds: the cancel reaches the workers long before a running task could finish
        Path model = SyntheticModel.write(product.dir().resolve("synthetic-cancel"), 512, 1536, 8);
        S3Uri source;
        try {
            source = product.storage().uploadDirectory(model, new S3Uri(product.sourceBucket(), "models/synthetic-cancel/"));
        } finally {
            SyntheticModel.delete(model);
        }
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        ArrayNode targets = request.putArray("targets");
        FTYPES.forEach(ftype -> targets.addObject().put("format", "gguf").put("ftype", ftype));
        UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());
        try {
            cancelOnceATaskRuns(product, id);
        } finally {
            // 100 MB a run is worth giving back
            product.storage().removeAll(source);
        }
    }

    private static void cancelOnceATaskRuns(Product product, UUID id) {
        AtomicReference<ApiClient.Reply> cancel = new AtomicReference<>();
        List<ApiClient.Event> events = product.api().follow(id, Duration.ofSeconds(90), event -> {
            if (cancel.get() == null && event.name().equals("task") && event.data().path("task").path("state").asText().equals("RUNNING")) {
                cancel.set(product.api().cancel(id));
            }
        });

        ApiClient.Reply acknowledged = cancel.get();
        assertNotNull(acknowledged, "a task started, so the job was cancelled");
        assertEquals(202, acknowledged.status(), () -> acknowledged.body().toPrettyString());
        assertTrue(acknowledged.body().path("cancelRequested").asBoolean());
        Map<String, String> atCancel = states(acknowledged.body());
        assertTrue(atCancel.containsValue("RUNNING"), () -> "a task ran when the job was cancelled: " + atCancel);
        assertTrue(atCancel.containsValue("CANCELLED"), () -> "tasks still queued were cancelled at once: " + atCancel);

        JsonNode last = events.get(events.size() - 1).data();
        assertEquals("CANCELLED", last.path("state").asText(), () -> "the stream ends with the cancelled job: " + last);
        JsonNode job = product.api().job(id);
        assertEquals("CANCELLED", job.path("state").asText());
        for (JsonNode task : job.path("tasks")) {
            String variant = task.path("variant").asText();
            String state = task.path("state").asText();
            if (state.equals("SUCCEEDED")) {
                assertEquals("SUCCEEDED", atCancel.get(variant), () -> variant + " succeeded after the cancel was acknowledged");
            } else {
                assertEquals("CANCELLED", state, () -> variant + " ended " + task);
                assertTrue(task.path("result").isNull() || task.path("result").isMissingNode(), () -> variant + " has no result");
            }
            if (atCancel.get(variant).equals("RUNNING")) {
                assertEquals("CANCELLED", state, () -> variant + " was running and stopped at its worker: " + task);
            }
        }
        // the workers stay healthy and free for what comes next
        product.workers().forEach(w -> assertEquals("UP", w.health("live").path("status").asText(), w.name()));
    }

    private static Map<String, String> states(JsonNode job) {
        Map<String, String> states = new HashMap<>();
        job.path("tasks").forEach(t -> states.put(t.path("variant").asText(), t.path("state").asText()));
        return states;
    }
}
