package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broken model fails its own job with a reason a user can act on, and nobody else's. */
@ExtendWith(RunningProduct.class)
class CorruptSourceTest {

    @Test
    void aTruncatedCheckpointFailsItsTasksWithAReasonNamingTheFileWhileAnotherJobSucceeds(Product product) throws IOException {
        S3Uri corrupt = new S3Uri(product.sourceBucket(), "models/stories260K-truncated/");
        product.storage().uploadDirectory(Product.STORIES, corrupt);
        byte[] whole = Files.readAllBytes(Product.STORIES.resolve("model.safetensors"));
        S3Uri weights = corrupt.resolve("model.safetensors");
        product.storage().put(weights, Arrays.copyOf(whole, whole.length / 2));
        S3Uri healthy = product.uploadStories("models/stories260K-healthy/");

        UUID broken = submit(product, corrupt, "arm-mobile", "cpu-server-quality");
        UUID fine = submit(product, healthy, "arm-mobile", "cpu-server-quality");
        JsonNode brokenJob = product.api().awaitEnd(broken, Duration.ofSeconds(60));
        JsonNode fineJob = product.api().awaitEnd(fine, Duration.ofSeconds(60));

        assertEquals("FAILED", brokenJob.path("state").asText(), brokenJob::toPrettyString);
        for (JsonNode task : brokenJob.path("tasks")) {
            assertEquals("FAILED", task.path("state").asText(), task::toPrettyString);
            String reason = task.path("failureReason").asText();
            assertTrue(reason.contains(weights.toString()), () -> "the reason names the object: " + reason);
            assertFalse(reason.contains("\n"), () -> "one line: " + reason);
            assertFalse(reason.contains("Exception") || reason.contains(product.dir().toString()),
                    () -> "no exception or worker-local path: " + reason);
        }
        assertEquals("SUCCEEDED", fineJob.path("state").asText(), fineJob::toPrettyString);
        fineJob.path("tasks").forEach(task -> assertEquals("SUCCEEDED", task.path("state").asText(), task::toPrettyString));
    }

    private static UUID submit(Product product, S3Uri source, String... profiles) {
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        ArrayNode targets = request.putArray("targets");
        Arrays.stream(profiles).forEach(targets::add);
        return UUID.fromString(product.api().submitAccepted(request).path("id").asText());
    }
}
