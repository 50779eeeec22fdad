package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The REST API over plain HTTP, as any client would call it: {@code java.net.http} and JSON. */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http;
    /** Sent as {@code Authorization: Bearer}; null sends none. */
    private final String apiKey;

    public ApiClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        // HTTP/1.1 as curl and most clients speak it to a plain-http service (no h2c upgrade dance)
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Where the API answers, e.g. {@code http://127.0.0.1:41234} (the dashboard is served at its root). */
    public URI base() {
        return base;
    }

    /** An answer: status, content type, the body as JSON (null when empty). */
    public record Reply(int status, String contentType, JsonNode body, Optional<String> location) {
        public UUID id() {
            return UUID.fromString(body.path("id").asText());
        }

        public boolean isProblem() {
            return contentType.startsWith("application/problem+json");
        }
    }

    /** One server-sent event. */
    public record Event(String name, JsonNode data) {
    }

    /** A client of its own (its own connections), for one of several concurrent users. */
    public ApiClient anotherClient() {
        return new ApiClient(base, apiKey);
    }

    /** A client of the same API that sends another key (null: none). */
    public ApiClient withKey(String key) {
        return new ApiClient(base, key);
    }

    /** A new operator key, for an API started with it as {@code QF_AUTH_ADMIN_KEY}. */
    public static String newOperatorKey() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return "qf_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Creates a key through the admin endpoint (this client must send an admin key); returns the key. */
    public String createKey(String tenant, String name, List<String> scopes) {
        ObjectNode body = JSON.createObjectNode().put("tenant", tenant)
                .put("name", name);
        scopes.forEach(body.putArray("scopes")::add);
        Reply reply = send(request("/api/v1/admin/keys").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        if (reply.status() != 201) {
            throw new AssertionError("creating an API key answered " + reply.status() + ": " + reply.body());
        }
        return reply.body().path("key").asText();
    }

    public static ObjectMapper json() {
        return JSON;
    }

    public Reply submit(JsonNode request) {
        return submit(request.toString(), null);
    }

    /** POST /api/v1/jobs with a body as given (valid JSON or not) and an optional Idempotency-Key. */
    public Reply submit(String body, String idempotencyKey) {
        HttpRequest.Builder request = request("/api/v1/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request.build());
    }

    /** Submits and insists on 202 Accepted; returns the job. */
    public JsonNode submitAccepted(JsonNode request) {
        Reply reply = submit(request);
        if (reply.status() != 202) {
            throw new AssertionError("POST /api/v1/jobs answered " + reply.status() + ": " + reply.body());
        }
        return reply.body();
    }

    public JsonNode job(UUID id) {
        Reply reply = send(request("/api/v1/jobs/" + id).GET().build());
        if (reply.status() != 200) {
            throw new AssertionError("GET job " + id + " answered " + reply.status() + ": " + reply.body());
        }
        return reply.body();
    }

    public Reply cancel(UUID id) {
        return send(request("/api/v1/jobs/" + id).DELETE().build());
    }

    public Reply get(String path) {
        return send(request(path).GET().build());
    }

    /** The body of {@code GET path} asked for as markdown; fails unless the answer is 200 markdown. */
    public String markdown(String path) {
        HttpRequest request = request(path).setHeader("Accept", "text/markdown").GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.headers().firstValue("Content-Type").orElse("").startsWith("text/markdown")) {
                throw new AssertionError("GET " + path + " as markdown: " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Follows {@code GET /api/v1/jobs/{id}/events} until the server closes the stream (it does when the job ends),
     * handing each event to {@code onEvent} as it comes, on this thread; returns them all.
     */
    public List<Event> follow(UUID id, Duration timeout, Consumer<Event> onEvent) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").GET();
        HttpRequest request = (apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey)).build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException("GET events of " + id + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("GET events of " + id + " answered " + response.statusCode());
        }
        List<Event> events = new ArrayList<>();
        // the lines are read on another thread so that a stream that never ends fails the test instead of hanging it
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
                String line = lines.next();
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        Event event = new Event(name, parse(data.toString()));
                        synchronized (events) {
                            events.add(event);
                        }
                        onEvent.accept(event);
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring("data:".length()).strip());
                }
            }
        });
        try {
            reading.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (events) {
                throw new AssertionError("the event stream of job " + id + " did not end within " + timeout.toSeconds()
                        + " s; events so far: " + events.stream().map(ApiClient::describe).toList());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failed) {
                throw failed;
            }
            throw new IllegalStateException("reading the events of " + id + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            response.body().close();
        }
        return events;
    }

    /** Polls GET /api/v1/jobs/{id} until the job has ended; returns it. */
    public JsonNode awaitEnd(UUID id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = job(id);
            if (List.of("SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "CANCELLED").contains(job.path("state").asText())) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " did not end within " + timeout.toSeconds() + " s: " + job);
            }
            ServiceProcess.sleep(Duration.ofMillis(100));
        }
    }

    private static String describe(Event event) {
        JsonNode task = event.data().path("task");
        return event.name() + ":" + (task.isMissingNode() ? event.data().path("state").asText()
                : task.path("variant").asText() + "=" + task.path("state").asText() + "/" + task.path("progress").asInt());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(CALL_TIMEOUT)
                .header("Accept", "application/json");
        return apiKey == null ? request : request.header("Authorization", "Bearer " + apiKey);
    }

    private Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    body.isEmpty() ? null : parse(body), response.headers().firstValue("Location"));
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
