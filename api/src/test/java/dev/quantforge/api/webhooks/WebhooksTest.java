package dev.quantforge.api.webhooks;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.quality.BenchmarkSummary;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Webhooks against a real HTTP receiver on loopback that the test starts and stops: a receiver that is down while a
 * job's events are emitted gets every one of them once it is back, signed; one that keeps failing is disabled.
 * Retries are seconds apart here (the profile below), not hours.
 */
@QuarkusTest
@TestProfile(WebhooksTest.ShortRetries.class)
@WithTestResource(LocalStackResource.class)
class WebhooksTest {

    public static class ShortRetries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("qf.webhooks.retry-delays", "1s,2s,4s,4s", "qf.webhooks.poll-interval", "200ms",
                    "qf.webhooks.disable-after", "2", "qf.webhooks.timeout", "5s");
        }
    }

    private static final List<String> ALL_TYPES = List.of("dev.quantforge.job.submitted",
            "dev.quantforge.job.completed", "dev.quantforge.variant.published", "dev.quantforge.variant.rejected");
    private static final BenchmarkSummary FIGURES =
            new BenchmarkSummary(620_000, 4.89, 6.54, 10.0, 10.4, 4.0, 0.031, 93.5, 2100.0, 420.0, 4, "llama.cpp");

    @Inject
    Fixtures fixtures;

    @Inject
    ObjectMapper json;

    /** What the receiver got: the three Standard Webhooks headers and the body. */
    record Received(String id, String timestamp, String signature, String contentType, String body) {
    }

    /** A loopback HTTP receiver answering every POST with {@code status}. */
    static final class Receiver implements AutoCloseable {
        final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        private final HttpServer server;

        Receiver(int port, int status, String answer) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            server.createContext("/hook", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    var h = exchange.getRequestHeaders();
                    received.add(new Received(h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"),
                            h.getFirst("webhook-signature"), h.getFirst("content-type"),
                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
                byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            server.start();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void aReceiverThatWasDownGetsEveryEventOnceItIsBackSignedAndLogged() throws Exception {
        int port = freePort();
        JsonNode created = json.readTree(given().contentType(ContentType.JSON)
                .body(Map.of("url", "http://127.0.0.1:" + port + "/hook", "eventTypes", ALL_TYPES,
                        "description", "down, then back"))
                .post("/api/v1/webhooks").then().statusCode(201)
                .header("Location", containsString("/api/v1/webhooks/")).extract().asString());
        String id = created.path("id").asText();
        String secret = created.path("secret").asText();
        assertTrue(secret.startsWith("whsec_"), "a generated Standard Webhooks secret: " + secret);
        assertEquals(32, Base64.getDecoder().decode(secret.substring(6)).length);
        given().get("/api/v1/webhooks/" + id).then().statusCode(200)
                .body("enabled", org.hamcrest.Matchers.is(true))
                .body("secret", org.hamcrest.Matchers.nullValue());
        given().get("/api/v1/webhooks").then().statusCode(200).body("id", hasItems(id))
                .body("find { it.id == '" + id + "' }.secret", org.hamcrest.Matchers.nullValue());
        try {
            // the receiver is down while the job runs: every first attempt fails
            String source = fixtures.hfModel("hooks-llama");
            JobView job = fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2", "edge-extreme"),
                    Map.of("team", "hooks")));
            fixtures.report(fixtures.benchmarked(job.tasks().get(0), job.id(), FIGURES, null),
                    fixtures.benchmarked(job.tasks().get(1), job.id(), FIGURES, "mean KLD 0.9 > limit 0.6"));
            Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(job.id()).state()));
            Eventually.holds(() -> {
                JsonNode log = deliveries(id);
                assertEquals(4, log.size(), log::toString);
                for (JsonNode d : log) {
                    assertEquals("PENDING", d.path("state").asText(), d::toString);
                    assertTrue(d.path("attempts").asInt() >= 1, d::toString);
                    assertTrue(d.path("lastError").asText().contains("Connect"), d::toString);
                    assertTrue(d.path("lastStatus").isNull(), d::toString);
                    assertFalse(d.path("nextAttemptAt").isNull(), d::toString);
                }
            });

            try (Receiver receiver = new Receiver(port, 204, "")) {
                Eventually.holds(() -> deliveries(id).forEach(d ->
                        assertEquals("DELIVERED", d.path("state").asText(), d::toString)));
                JsonNode log = deliveries(id);
                Set<String> eventIds = new HashSet<>();
                Set<String> types = new HashSet<>();
                for (JsonNode d : log) {
                    eventIds.add(d.path("eventId").asText());
                    types.add(d.path("eventType").asText());
                    int attempts = d.path("attempts").asInt();
                    assertTrue(attempts >= 2, "failed while down, then delivered: " + d);
                    assertEquals(attempts, d.path("attemptLog").size(), d::toString);
                    assertTrue(d.path("attemptLog").get(0).path("status").isNull(), d::toString);
                    assertEquals(204, d.path("attemptLog").get(attempts - 1).path("status").asInt(), d::toString);
                    assertEquals(204, d.path("lastStatus").asInt());
                    assertTrue(d.path("lastError").isNull(), d::toString);
                    assertTrue(d.path("nextAttemptAt").isNull(), d::toString);
                    assertFalse(d.path("deliveredAt").isNull(), d::toString);
                }
                assertEquals(Set.copyOf(ALL_TYPES), types);
                assertEquals(4, eventIds.size());

                // every event exactly once per id: duplicates only with the same id and the same body
                Map<String, String> bodies = new HashMap<>();
                List<String> jobsEvents = new ArrayList<>();
                for (Received r : receiver.received) {
                    assertSigned(secret, r);
                    assertEquals("application/cloudevents+json", r.contentType());
                    JsonNode event = json.readTree(r.body());
                    assertEquals(r.id(), event.path("id").asText(), "webhook-id is the CloudEvent's id");
                    assertEquals("1.0", event.path("specversion").asText());
                    assertEquals("/api/v1/jobs/" + job.id(), event.path("source").asText());
                    String earlier = bodies.putIfAbsent(r.id(), r.body());
                    if (earlier == null) {
                        jobsEvents.add(event.path("type").asText());
                    } else {
                        assertEquals(earlier, r.body(), "a redelivery carries the same event");
                    }
                }
                assertEquals(eventIds, bodies.keySet(), "every event arrived");
                assertEquals(4, jobsEvents.size());
                assertEquals(Set.copyOf(ALL_TYPES), Set.copyOf(jobsEvents));
            }
        } finally {
            given().delete("/api/v1/webhooks/" + id).then().statusCode(204);
        }
        given().get("/api/v1/webhooks/" + id).then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/webhooks/" + id + "/deliveries").then().statusCode(404);
    }

    @Test
    void aWebhookThatKeepsFailingIsDisabledWithAReason() throws Exception {
        int port = freePort();
        String secret = "whsec_" + Base64.getEncoder().encodeToString(new byte[24]);
        try (Receiver receiver = new Receiver(port, 500, "boom")) {
            String id = json.readTree(given().contentType(ContentType.JSON)
                    .body(Map.of("url", "http://127.0.0.1:" + port + "/hook",
                            "eventTypes", List.of("dev.quantforge.job.submitted"), "secret", secret))
                    .post("/api/v1/webhooks").then().statusCode(201).extract().asString()).path("id").asText();
            String source = fixtures.hfModel("hooks-failing");
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));

            Eventually.holds(() -> given().get("/api/v1/webhooks/" + id).then().statusCode(200)
                    .body("enabled", org.hamcrest.Matchers.is(false))
                    .body("disabledReason", containsString("2 deliveries in a row failed every attempt"))
                    .body("disabledReason", containsString("HTTP 500: boom")));
            JsonNode log = deliveries(id);
            assertEquals(2, log.size(), "job.submitted only, one per job: " + log);
            for (JsonNode d : log) {
                assertEquals("dev.quantforge.job.submitted", d.path("eventType").asText());
                assertEquals("FAILED", d.path("state").asText(), d::toString);
                assertEquals(5, d.path("attempts").asInt(), "the first attempt and 4 retries: " + d);
                assertEquals(500, d.path("lastStatus").asInt());
                assertEquals("HTTP 500: boom", d.path("lastError").asText());
                assertTrue(d.path("nextAttemptAt").isNull());
            }
            assertEquals(10, receiver.received.size());
            for (Received r : receiver.received) {
                assertSigned(secret, r);
            }

            // disabled: new events are not delivered
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));
            Thread.sleep(1000);
            assertEquals(2, deliveries(id).size());
            assertEquals(10, receiver.received.size());
            given().delete("/api/v1/webhooks/" + id).then().statusCode(204);
        }
    }

    @Test
    void aDisabledWebhookIsEnabledAgainWithANewSecretAndItsDeliveriesReplayed() throws Exception {
        int port = freePort();
        String oldSecret = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
        String id;
        String source = fixtures.hfModel("hooks-revived");
        try (Receiver failing = new Receiver(port, 503, "down for maintenance")) {
            id = json.readTree(given().contentType(ContentType.JSON)
                    .body(Map.of("url", "http://127.0.0.1:" + port + "/hook",
                            "eventTypes", List.of("dev.quantforge.job.submitted"), "secret", oldSecret))
                    .post("/api/v1/webhooks").then().statusCode(201).extract().asString()).path("id").asText();
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));
            Eventually.holds(() -> given().get("/api/v1/webhooks/" + id).then().statusCode(200)
                    .body("enabled", org.hamcrest.Matchers.is(false)));
        }
        JsonNode failed = deliveries(id);
        assertEquals(2, failed.size(), failed::toString);
        long replayed = failed.get(0).path("id").asLong();
        String replayedEvent = failed.get(0).path("eventId").asText();

        // a disabled webhook's deliveries are not replayed: it has to be enabled first
        given().post("/api/v1/webhooks/" + id + "/deliveries/" + replayed + "/replay").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("/enable"));
        given().post("/api/v1/webhooks/" + id + "/enable").then().statusCode(200)
                .body("enabled", org.hamcrest.Matchers.is(true))
                .body("disabledReason", org.hamcrest.Matchers.nullValue())
                .body("disabledAt", org.hamcrest.Matchers.nullValue())
                .body("secret", org.hamcrest.Matchers.nullValue());
        String newSecret = json.readTree(given().post("/api/v1/webhooks/" + id + "/rotate-secret").then()
                .statusCode(200).extract().asString()).path("secret").asText();
        assertTrue(newSecret.startsWith("whsec_"), newSecret);
        assertFalse(newSecret.equals(oldSecret), "a new secret");
        given().get("/api/v1/webhooks/" + id).then().statusCode(200)
                .body("secret", org.hamcrest.Matchers.nullValue());

        try (Receiver receiver = new Receiver(port, 200, "ok")) {
            given().post("/api/v1/webhooks/" + id + "/deliveries/" + replayed + "/replay").then().statusCode(202)
                    .body("id", org.hamcrest.Matchers.is((int) replayed))
                    .body("state", org.hamcrest.Matchers.is("PENDING"))
                    .body("attempts", org.hamcrest.Matchers.is(0));
            // and a new event after enabling is delivered as usual
            fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of()));
            // received is not yet recorded: the dispatcher writes each outcome once its request has ended
            Eventually.holds(() -> {
                JsonNode log = deliveries(id);
                assertEquals(3, log.size(), log::toString);
                assertEquals(2, receiver.received.size(), receiver.received::toString);
                for (JsonNode d : log) {
                    assertNotEquals("PENDING", d.path("state").asText(), log::toString);
                }
            });
            JsonNode log = deliveries(id);
            JsonNode replay = null;
            for (JsonNode d : log) {
                if (d.path("id").asLong() == replayed) {
                    replay = d;
                } else if (d.path("id").asLong() == failed.get(1).path("id").asLong()) {
                    assertEquals("FAILED", d.path("state").asText(), "the delivery not replayed stays FAILED: " + d);
                } else {
                    assertEquals("DELIVERED", d.path("state").asText(), "the new event: " + d);
                }
            }
            assertNotNull(replay, log::toString);
            assertEquals("DELIVERED", replay.path("state").asText(), replay::toString);
            assertEquals(1, replay.path("attempts").asInt(), "attempts count from the replay: " + replay);
            assertEquals(6, replay.path("attemptLog").size(), "the 5 failed attempts are kept: " + replay);
            assertEquals(200, replay.path("lastStatus").asInt());
            Set<String> ids = new HashSet<>();
            for (Received r : receiver.received) {
                assertSigned(newSecret, r);
                assertThrowsAssertion(() -> assertSigned(oldSecret, r));
                ids.add(r.id());
            }
            assertTrue(ids.contains(replayedEvent), "the replay carries the event's own id: " + ids);
        }
        given().post("/api/v1/webhooks/" + id + "/deliveries/999999999/replay").then().statusCode(404);
        given().post("/api/v1/webhooks/" + id + "/deliveries/x/replay").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.is("deliveryId"));
        given().post("/api/v1/webhooks/" + UUID.randomUUID() + "/enable").then().statusCode(404);
        given().post("/api/v1/webhooks/" + UUID.randomUUID() + "/rotate-secret").then().statusCode(404);
        given().delete("/api/v1/webhooks/" + id).then().statusCode(204);
    }

    private static void assertThrowsAssertion(org.junit.jupiter.api.function.Executable check) {
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, check);
    }

    @Test
    void invalidRequestsAreProblemsNamingTheField() {
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/webhooks").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("url", "eventTypes"));
        given().contentType(ContentType.JSON)
                .body(Map.of("url", "ftp://hooks.example.com/x", "eventTypes",
                        List.of("dev.quantforge.job.submitted", "dev.quantforge.job.started"),
                        "secret", "not-a-secret", "colour", "blue"))
                .post("/api/v1/webhooks").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("url", "eventTypes[1]", "secret", "colour"))
                .body("errors.find { it.field == 'url' }.message", containsString("http or https"))
                .body("errors.find { it.field == 'eventTypes[1]' }.message",
                        containsString("not dev.quantforge.job.started"));
        given().contentType(ContentType.JSON).body(Map.of("url", "https://", "eventTypes", List.of()))
                .post("/api/v1/webhooks").then().statusCode(400).body("errors.field", hasItems("url", "eventTypes"));
        given().contentType(ContentType.JSON)
                .body(Map.of("url", "https://hooks.example.com/x", "eventTypes", List.of(ALL_TYPES.get(0)),
                        "secret", "whsec_" + Base64.getEncoder().encodeToString(new byte[8])))
                .post("/api/v1/webhooks").then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.is("secret"));
        given().contentType(ContentType.JSON).body("{\"url\": ").post("/api/v1/webhooks").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.is("body"));
        given().get("/api/v1/webhooks/nope").then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.is("id"));
        given().get("/api/v1/webhooks/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        given().delete("/api/v1/webhooks/" + UUID.randomUUID()).then().statusCode(404);
    }

    private JsonNode deliveries(String webhookId) {
        try {
            return json.readTree(given().get("/api/v1/webhooks/" + webhookId + "/deliveries").then().statusCode(200)
                    .extract().asString()).path("deliveries");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks the Standard Webhooks signature with nothing of the API's code. */
    private static void assertSigned(String secret, Received r) throws Exception {
        assertNotNull(r.id());
        assertNotNull(r.timestamp());
        long timestamp = Long.parseLong(r.timestamp());
        assertTrue(Math.abs(Instant.now().getEpochSecond() - timestamp) < 300, "a current timestamp: " + timestamp);
        assertTrue(r.signature().startsWith("v1,"), r.signature());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        byte[] expected = mac.doFinal((r.id() + "." + r.timestamp() + "." + r.body()).getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(expected, Base64.getDecoder().decode(r.signature().substring(3)), "signature of " + r.id());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
