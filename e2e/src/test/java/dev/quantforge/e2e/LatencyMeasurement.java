package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Figures, not checks: how soon a worker starts a submitted job, and how fast the API takes jobs under a burst.
 * Run with {@code ./mvnw -pl e2e -am verify -Dgroups=slow -Dtest.excludedGroups= -Dtest=LatencyMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false}; the figures are printed and written to the run's
 * {@code measurements.txt}.
 */
@Tag("slow")
@ExtendWith(RunningProduct.class)
class LatencyMeasurement {
    private static final int SEQUENTIAL_JOBS = 20;
    private static final int BURST = 200;
    private static final int CLIENTS = 8;

    @Test
    void measure(Product product) throws Exception {
        S3Uri source = product.uploadStories("models/stories260K-latency/");
        String request = request(source);
        List<String> report = new ArrayList<>();
        report.add("e2e run " + product.runId() + ", " + Runtime.getRuntime().availableProcessors() + " processors, "
                + Product.WORKERS + " workers");

        // POST → STARTED: idle workers, one job at a time; STARTED's time is the worker's clock (the same machine's)
        List<Double> toStarted = new ArrayList<>();
        List<Double> toStartedSeen = new ArrayList<>();
        for (int i = 0; i < SEQUENTIAL_JOBS; i++) {
            Instant posted = Instant.now();
            long postedNanos = System.nanoTime();
            UUID id = UUID.fromString(product.api().submitAccepted(ApiClient.json().readTree(request)).path("id").asText());
            long[] seen = {0};
            product.api().follow(id, Duration.ofSeconds(60), event -> {
                if (seen[0] == 0 && !event.data().path("task").path("startedAt").isMissingNode()
                        && !event.data().path("task").path("startedAt").isNull()) {
                    seen[0] = System.nanoTime();
                }
            });
            JsonNode task = product.api().job(id).path("tasks").get(0);
            assertEquals("SUCCEEDED", task.path("state").asText(), task::toPrettyString);
            toStarted.add(Duration.between(posted, Instant.parse(task.path("startedAt").asText())).toNanos() / 1e6);
            toStartedSeen.add((seen[0] - postedNanos) / 1e6);
        }
        report.add(String.format(Locale.ROOT, "POST -> worker STARTED (worker's clock), %d sequential jobs: p50 %.1f ms, min %.1f, max %.1f",
                SEQUENTIAL_JOBS, percentile(toStarted, 50), Collections.min(toStarted), Collections.max(toStarted)));
        report.add(String.format(Locale.ROOT, "POST -> STARTED seen by the client on the event stream: p50 %.1f ms, max %.1f",
                percentile(toStartedSeen, 50), Collections.max(toStartedSeen)));

        // a burst of submissions from several clients at once, against the API as it runs (workers busy with the jobs)
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        List<UUID> submitted = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger(BURST);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long began = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            ApiClient client = product.api().anotherClient();
            running.add(clients.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    long start = System.nanoTime();
                    ApiClient.Reply reply = client.submit(request, null);
                    latencies.add((System.nanoTime() - start) / 1e6);
                    if (reply.status() != 202) {
                        throw new AssertionError("POST answered " + reply.status() + ": " + reply.body());
                    }
                    submitted.add(reply.id());
                }
                return null;
            }));
        }
        for (Future<?> client : running) {
            client.get();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        clients.shutdown();
        report.add(String.format(Locale.ROOT, "burst of %d POSTs from %d clients: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.1f s, %.0f jobs/s",
                BURST, CLIENTS, percentile(latencies, 50), percentile(latencies, 99), Collections.max(latencies), seconds,
                BURST / seconds));

        // the burst's jobs are not wanted: cancelled, the workers skip them
        submitted.forEach(product.api()::cancel);

        report.forEach(System.out::println);
        Files.write(product.dir().resolve("measurements.txt"), report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String request(S3Uri source) {
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        request.putArray("targets").add("arm-mobile");
        return request.toString();
    }

    /** Nearest rank. */
    private static double percentile(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
