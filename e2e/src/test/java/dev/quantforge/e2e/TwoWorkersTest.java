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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Two worker processes share one job's tasks. */
@ExtendWith(RunningProduct.class)
class TwoWorkersTest {
    private static final List<String> FTYPES = List.of("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K_M");
    /**
     * Tasks go to Kafka partitions by the hash of their (random) id and each worker holds half of the partitions, so
     * one job in 2^5 = 32 puts all six tasks on one worker's partitions, which is the design working, not failing.
     * A second or third job makes a run where no job is shared a 1-in-32,768 event.
     */
    private static final int JOBS_AT_MOST = 3;

    @Test
    void bothWorkersBuildSomeOfASixTaskJob(Product product) {
        S3Uri source = product.uploadStories("models/stories260K-shared/");
        Set<String> workerIds = new HashSet<>();
        product.workers().forEach(w -> workerIds.add(w.name()));
        List<Set<String>> jobsSeen = new ArrayList<>();
        for (int attempt = 1; attempt <= JOBS_AT_MOST; attempt++) {
            ObjectNode request = ApiClient.json().createObjectNode();
            request.putObject("source").put("uri", source.toString()).put("format", "hf");
            ArrayNode targets = request.putArray("targets");
            FTYPES.forEach(ftype -> targets.addObject().put("format", "gguf").put("ftype", ftype));
            UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());

            JsonNode job = product.api().awaitEnd(id, Duration.ofSeconds(90));

            assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);
            assertEquals(FTYPES.size(), job.path("tasks").size());
            Set<String> builtBy = new HashSet<>();
            for (JsonNode task : job.path("tasks")) {
                assertEquals("SUCCEEDED", task.path("state").asText(), task::toPrettyString);
                builtBy.add(task.path("worker").asText());
            }
            assertTrue(workerIds.containsAll(builtBy), () -> "tasks were built by " + builtBy + ", not only by " + workerIds);
            jobsSeen.add(builtBy);
            if (builtBy.equals(workerIds)) {
                return;
            }
        }
        fail(JOBS_AT_MOST + " six-task jobs were each built by one worker alone: " + jobsSeen);
    }
}
