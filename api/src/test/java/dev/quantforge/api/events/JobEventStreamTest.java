package dev.quantforge.api.events;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.common.messages.TaskEvent.Type;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobEventStreamTest {

    private static final String END = "end of stream";

    @TestHTTPResource("/api/v1/jobs/")
    URI jobs;

    @Inject
    Fixtures fixtures;

    /** One server-sent event. */
    record Event(String name, String data) {
    }

    @Test
    void theStreamStartsWithTheJobThenDeliversProgressAsItArrivesAndEndsWithTheJob() throws Exception {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-sse"), List.of("arm-mobile"), Map.of()));
        TaskView task = job.tasks().get(0);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        HttpClient client = http();
        HttpRequest request = HttpRequest.newBuilder(jobs.resolve(job.id() + "/events"))
                .header("Accept", "text/event-stream").build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        Thread reader = new Thread(() -> parse(response.body(), events), "sse-reader");
        reader.setDaemon(true);
        reader.start();

        Event first = next(events);
        assertEquals("job", first.name());
        assertEquals("QUEUED", json(first).get("state").asText());

        fixtures.report(fixtures.event(task, job.id(), Type.STARTED, 0),
                fixtures.event(task, job.id(), Type.PROGRESS, 30));
        Event started = next(events);
        assertEquals("task", started.name());
        assertEquals("STARTED", json(started).get("change").asText());
        assertEquals("RUNNING", json(started).get("jobState").asText());
        Event progress = next(events);
        assertEquals("PROGRESS", json(progress).get("change").asText());
        assertEquals(30, json(progress).get("task").get("progress").asInt());

        fixtures.report(fixtures.event(task, job.id(), Type.SUCCEEDED, 100));
        Event succeeded = next(events);
        assertEquals("SUCCEEDED", json(succeeded).get("task").get("state").asText());
        Event last = next(events);
        assertEquals("job", last.name());
        assertEquals("SUCCEEDED", json(last).get("state").asText());
        assertEquals(END, next(events).name(), "the stream closes when the job ends");
    }

    @Test
    void aFinishedJobStreamsItsStateAndCloses() throws Exception {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-sse-done"), List.of("arm-mobile"),
                Map.of()));
        given().delete("/api/v1/jobs/" + job.id()).then().statusCode(202);
        HttpResponse<String> response = http().send(
                HttpRequest.newBuilder(jobs.resolve(job.id() + "/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        parse(response.body().lines(), events);
        Event only = next(events);
        assertEquals("job", only.name());
        assertEquals("CANCELLED", json(only).get("state").asText());
        assertEquals(END, next(events).name());
    }

    @Test
    void theStreamOfEveryJobSaysReadyThenShowsANewJobAndItsChanges() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> response = http().send(HttpRequest.newBuilder(jobs.resolve("events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        Thread reader = new Thread(() -> parse(response.body(), events), "sse-list-reader");
        reader.setDaemon(true);
        reader.start();
        assertEquals("ready", next(events).name());

        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-sse-list"), List.of("arm-mobile"),
                Map.of("team", "list")));
        JsonNode submitted = nextOf(job.id(), events);
        assertEquals("QUEUED", submitted.get("state").asText());
        assertEquals("list", submitted.at("/labels/team").asText());
        assertEquals(job.tasks().get(0).id().toString(), submitted.at("/tasks/0/id").asText());

        TaskView task = job.tasks().get(0);
        fixtures.report(fixtures.event(task, job.id(), Type.STARTED, 0),
                fixtures.event(task, job.id(), Type.PROGRESS, 40));
        JsonNode started = nextOf(job.id(), events);
        assertEquals("RUNNING", started.get("state").asText());
        JsonNode progress = nextOf(job.id(), events);
        assertEquals(40, progress.at("/tasks/0/progress").asInt());
        fixtures.report(fixtures.event(task, job.id(), Type.SUCCEEDED, 100));
        assertEquals("SUCCEEDED", nextOf(job.id(), events).get("state").asText());
        response.body().close();
    }

    /** The next 'job' event about {@code jobId}, skipping those of other jobs. */
    private JsonNode nextOf(UUID jobId, BlockingQueue<Event> events) throws InterruptedException {
        while (true) {
            Event event = next(events);
            assertEquals("job", event.name(), event::toString);
            JsonNode job = json(event);
            if (job.get("id").asText().equals(jobId.toString())) {
                return job;
            }
        }
    }

    @Test
    void anUnknownJobHasNoStream() {
        given().get("/api/v1/jobs/" + UUID.randomUUID() + "/events").then().statusCode(404)
                .contentType("application/problem+json");
    }

    /** HTTP/1.1: the JDK client would otherwise try to upgrade to h2c, which event streams do not need. */
    private static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    private static void parse(Stream<String> lines, BlockingQueue<Event> events) {
        String name = "message";
        List<String> data = new ArrayList<>();
        for (String line : (Iterable<String>) lines::iterator) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    events.add(new Event(name, String.join("\n", data)));
                }
                name = "message";
                data.clear();
            } else if (line.startsWith("event:")) {
                name = line.substring("event:".length()).strip();
            } else if (line.startsWith("data:")) {
                data.add(line.substring("data:".length()).strip());
            }
        }
        events.add(new Event(END, ""));
    }

    private static Event next(BlockingQueue<Event> events) throws InterruptedException {
        Event event = events.poll(30, TimeUnit.SECONDS);
        if (event == null) {
            throw new AssertionError("no event within 30 s");
        }
        return event;
    }

    private JsonNode json(Event event) {
        return fixtures.read(event.data(), JsonNode.class);
    }
}
