package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.ManifestRun;
import dev.quantforge.e2e.support.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The manifests' configuration really runs: the api and a worker started with exactly the environment the dev
 * overlay gives their containers (see {@link ManifestRun} for the few values a cluster and this machine must differ
 * in) run a job to SUCCEEDED. Meanwhile the resident memory of both is sampled: the figures the manifests' memory
 * requests are sized from (k8s/README.md).
 */
class ManifestEnvironmentTest {

    @Test
    void theDevOverlaysEnvironmentRunsAJob() throws Exception {
        try (ManifestRun run = ManifestRun.start("k8s-env")) {
            ServiceProcess api = run.startApi();
            ServiceProcess worker = run.startWorker("quantforge-worker-0", Map.of());
            System.out.println("k8s-env: replaced in the manifests' environment: " + run.replaced());
            AtomicLong apiRss = new AtomicLong();
            AtomicLong workerRss = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    apiRss.accumulateAndGet(ManifestRun.rssBytes(api), Math::max);
                    workerRss.accumulateAndGet(ManifestRun.rssBytes(worker), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long idleApi = ManifestRun.rssBytes(api);
            long idleWorker = ManifestRun.rssBytes(worker);
            sampler.start();
            S3Uri source = run.uploadStories("stories260K/");
            ObjectNode request = ApiClient.json().createObjectNode();
            request.putObject("source").put("uri", source.toString()).put("format", "hf");
            request.putArray("targets").add("arm-mobile").add("cpu-x86-avx2");
            UUID id = UUID.fromString(run.api().submitAccepted(request).path("id").asText());
            JsonNode job = run.api().awaitEnd(id, Duration.ofSeconds(120));
            sampler.interrupt();
            sampler.join();
            assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);
            for (JsonNode task : job.path("tasks")) {
                assertEquals("quantforge-worker-0", task.path("worker").asText(), "QF_WORKER_ID is the pod's name");
            }
            System.out.printf("k8s-env: RSS idle api %d MiB, worker %d MiB; peak while the job ran: api %d MiB,"
                            + " worker %d MiB%n", idleApi >> 20, idleWorker >> 20, apiRss.get() >> 20, workerRss.get() >> 20);
        }
    }
}
