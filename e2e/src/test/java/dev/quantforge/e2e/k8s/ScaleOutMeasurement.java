package dev.quantforge.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.ManifestRun;
import dev.quantforge.e2e.support.ServiceProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out with 1, 2 and 3 worker processes (the manifests' environment) on the local stack: a job of 12 tasks
 * each time, every task done exactly once (the workers' own counters add up to 12, none abandoned or redone) and,
 * from 2 workers on, shared by all of them. CPU-light on purpose (2 cores here): stories260K, 12 file types,
 * benchmark off (QF_BENCHMARK_ENABLED=false; explicit recipes have no quality gates), so a task is download,
 * quantize, upload and events. Prints tasks/min per worker count.
 */
@Tag("slow")
class ScaleOutMeasurement {
    private static final List<String> FTYPES = List.of("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K_S",
            "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q6_K");

    @Test
    void twelveTasksOnOneTwoAndThreeWorkers() throws Exception {
        try (ManifestRun run = ManifestRun.start("k8s-scale-out")) {
            run.startApi();
            S3Uri source = run.uploadStories("stories260K/");
            List<ServiceProcess> workers = new ArrayList<>();
            Map<String, Double> before = new HashMap<>();
            List<String> figures = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                workers.add(run.startWorker("quantforge-worker-" + n, Map.of("QF_BENCHMARK_ENABLED", "false")));
                awaitPartitionsShared(workers);
                for (ServiceProcess w : workers) {
                    before.put(w.name(), ManifestRun.tasksEnded(w, "succeeded"));
                }
                ObjectNode request = ApiClient.json().createObjectNode();
                request.putObject("source").put("uri", source.toString()).put("format", "hf");
                ArrayNode targets = request.putArray("targets");
                FTYPES.forEach(f -> targets.addObject().put("format", "gguf").put("ftype", f));
                long began = System.nanoTime();
                UUID id = UUID.fromString(run.api().submitAccepted(request).path("id").asText());
                JsonNode job = run.api().awaitEnd(id, Duration.ofSeconds(300));
                double seconds = (System.nanoTime() - began) / 1e9;
                assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);
                Map<String, Integer> byWorker = new HashMap<>();
                job.path("tasks").forEach(t -> byWorker.merge(t.path("worker").asText(), 1, Integer::sum));
                double done = 0;
                for (ServiceProcess w : workers) {
                    done += ManifestRun.tasksEnded(w, "succeeded") - before.get(w.name());
                    assertEquals(0, ManifestRun.tasksEnded(w, "abandoned"), w.name());
                }
                assertEquals(12, done, "every task done once: " + byWorker);
                assertEquals(n, byWorker.size(), "all workers took tasks: " + byWorker);
                String line = String.format("%d worker(s): 12 tasks in %.1f s = %.1f tasks/min, by worker %s", n, seconds,
                        12 * 60 / seconds, byWorker);
                figures.add(line);
                System.out.println("k8s-scale-out: " + line);
            }
            System.out.println("k8s-scale-out figures:\n  " + String.join("\n  ", figures));
        }
    }

    /** Every worker holds some of the task topic's partitions and together all (the manifests' count). */
    private static void awaitPartitionsShared(List<ServiceProcess> workers) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            List<Integer> held = workers.stream().map(w -> {
                for (JsonNode check : w.health("live").path("checks")) {
                    if (check.path("name").asText().equals("worker")) {
                        return check.path("data").path("partitions").asInt();
                    }
                }
                return 0;
            }).toList();
            if (held.stream().allMatch(h -> h > 0) && held.stream().mapToInt(Integer::intValue).sum() == 3) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "partitions " + held);
            ServiceProcess.sleep(Duration.ofMillis(200));
        }
    }
}
