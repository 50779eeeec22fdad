package dev.quantforge.worker.service;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.testing.TestBed;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Quarkus application: its worker takes tasks, and health and metrics say so. */
@QuarkusTest
@QuarkusTestResource(value = AppStackResource.class, restrictToAnnotatedClass = true)
class WorkerApplicationTest {
    @TestHTTPResource("/q/health/live")
    URL live;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    static TestBed bed;

    @BeforeAll
    static void attach() {
        bed = new TestBed(System.getProperty(AppStackResource.RUN_PROPERTY));
    }

    @AfterAll
    static void detach() {
        if (bed != null) {
            bed.closeReader();
        }
    }

    @Test
    void healthIsUp() throws Exception {
        HttpResponse<String> liveness = get(live);
        assertEquals(200, liveness.statusCode(), liveness.body());
        assertTrue(liveness.body().contains("\"worker\""), liveness.body());
        // the worker starts off the startup thread: ready once it has joined its group
        HttpResponse<String> readiness = get(ready);
        for (long deadline = System.nanoTime() + 30_000_000_000L; readiness.statusCode() != 200
                && System.nanoTime() < deadline; readiness = get(ready)) {
            Thread.sleep(200);
        }
        assertEquals(200, readiness.statusCode(), readiness.body());
        assertTrue(readiness.body().contains("Kafka"), "Kafka's readiness is checked: " + readiness.body());
        assertTrue(readiness.body().contains("\"object-storage\": true"), readiness.body());
    }

    @Test
    void aTaskIsDoneAndCounted() throws Exception {
        String source = bed.uploadDir(WorkerTasksTest.STORIES, bed.run + "/models/stories260K");
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task);
        TaskEvent end = WorkerTasksTest.last(bed.awaitEnd(task.taskId(), Duration.ofSeconds(60)));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        assertEquals("app", end.worker());

        String text = get(metrics).body();
        assertTrue(text.contains("quantforge_worker_tasks_total{outcome=\"succeeded\"} 1.0"), text);
        assertTrue(text.contains("quantforge_worker_task_duration_seconds_count{outcome=\"succeeded\"} 1"), text);
        assertTrue(text.contains("quantforge_worker_tasks_running"), text);
    }

    private static HttpResponse<String> get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
