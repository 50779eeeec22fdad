package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.ManifestRun;
import dev.quantforge.e2e.support.ServiceProcess;
import dev.quantforge.e2e.support.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graceful scale-down, as KEDA or a rolling update does it: a worker gets SIGTERM in the middle of a long task. It
 * stops taking tasks, its task stops at the next tensor, the worker leaves the group without committing it and
 * exits well within terminationGracePeriodSeconds; the other worker does the task again, the job ends SUCCEEDED,
 * and the results hold the variant once: one manifest, no partial files beside it.
 */
class WorkerScaleDownTest {

    @Test
    void aWorkerStoppedMidTaskHandsItBackAndTheOtherFinishesIt() throws Exception {
        try (ManifestRun run = ManifestRun.start("k8s-scale-down")) {
            Path model = SyntheticModel.write(run.dir().resolve("synthetic"), 512, 1536, 8);
            S3Uri source;
            try {
                source = run.storage().uploadDirectory(model, new S3Uri(run.sourceBucket(), "synthetic/"));
            } finally {
                SyntheticModel.delete(model);
            }
            run.startApi();
            ServiceProcess first = run.startWorker("quantforge-worker-a", Map.of());
            ServiceProcess second = run.startWorker("quantforge-worker-b", Map.of());
            List<ServiceProcess> workers = List.of(first, second);

            ObjectNode request = ApiClient.json().createObjectNode();
            request.putObject("source").put("uri", source.toString()).put("format", "hf");
            request.putArray("targets").addObject().put("format", "gguf").put("ftype", "Q4_K_M");
            UUID id = UUID.fromString(run.api().submitAccepted(request).path("id").asText());

            // wait until the task is being built (progress past the download) on one of the workers
            JsonNode task;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (true) {
                task = run.api().job(id).path("tasks").get(0);
                if (task.path("state").asText().equals("RUNNING") && task.path("progress").asInt() >= 21) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, task.toString());
                ServiceProcess.sleep(Duration.ofMillis(50));
            }
            String busyId = task.path("worker").asText();
            ServiceProcess busy = workers.stream().filter(w -> w.name().equals(busyId)).findFirst().orElseThrow();
            ServiceProcess other = busy == first ? second : first;

            long sigterm = System.nanoTime();
            busy.terminate();
            // hand-back: the other worker has the task (its STARTED event applied)
            double handBack;
            while (true) {
                JsonNode now = run.api().job(id).path("tasks").get(0);
                if (now.path("worker").asText().equals(other.name())) {
                    handBack = (System.nanoTime() - sigterm) / 1e9;
                    break;
                }
                assertTrue(System.nanoTime() - sigterm < Duration.ofSeconds(120).toNanos(), now.toString());
                ServiceProcess.sleep(Duration.ofMillis(50));
            }
            assertTrue(busy.awaitExit(Duration.ofSeconds(60)), "the stopped worker exits");
            double exited = (System.nanoTime() - sigterm) / 1e9;
            JsonNode job = run.api().awaitEnd(id, Duration.ofSeconds(180));
            assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);
            JsonNode done = job.path("tasks").get(0);
            assertEquals(other.name(), done.path("worker").asText());

            String log = busy.logText();
            assertTrue(log.contains("worker " + busyId + " stopped"), log);
            assertNotEquals(-1, exited);
            long terminationGrace = dev.quantforge.e2e.support.Manifests.podSpec(dev.quantforge.e2e.support.Manifests
                    .find(run.objects(), "Deployment", "quantforge-worker")).path("terminationGracePeriodSeconds").asLong();
            assertTrue(exited < terminationGrace, "exited after " + exited + " s, within terminationGracePeriodSeconds "
                    + terminationGrace);

            // the results: the variant once, complete, with one manifest and nothing half-written beside it
            String modelName = job.path("modelName").asText("synthetic");
            List<String> objects = run.storage().list(new S3Uri(run.resultsBucket(), ""));
            List<String> manifests = objects.stream().filter(o -> o.endsWith("manifest.json")).toList();
            assertEquals(1, manifests.size(), objects::toString);
            String prefix = manifests.get(0).substring(0, manifests.get(0).lastIndexOf('/') + 1);
            assertTrue(objects.stream().allMatch(o -> o.startsWith(prefix)), () -> "nothing outside " + prefix + ": " + objects);
            JsonNode manifest = ApiClient.json().readTree(run.storage().read(new S3Uri(run.resultsBucket(), manifests.get(0))));
            java.util.Set<String> listed = new java.util.TreeSet<>(List.of(manifests.get(0)));
            manifest.path("files").forEach(file -> listed.add(prefix + file.path("name").asText()));
            // exactly what the manifest lists (model, benchmark.json, README.md, the Ollama layout) and the manifest
            assertEquals(listed, new java.util.TreeSet<>(objects), "no orphaned or missing object");
            System.out.printf("k8s-scale-down: %s got SIGTERM at %d %% of its task; %s had the task %.1f s later;"
                            + " the stopped worker exited after %.1f s (model %s)%n", busyId, task.path("progress").asInt(),
                    other.name(), handBack, exited, modelName);
        }
    }
}
