package dev.quantforge.api.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@QuarkusTest
@TestMethodOrder(MethodOrderer.MethodName.class)
@TestProfile(AuthEnabledProfile.class)
@WithTestResource(LocalStackResource.class)
class AuthTest {

    private static final String PROBLEM = "application/problem+json";
    /** Every key these tests were given, to search the logs and the database for. */
    private static final List<String> ISSUED = new ArrayList<>(List.of(AuthEnabledProfile.OPERATOR_KEY));

    @Inject
    Fixtures fixtures;

    @Inject
    AgroalDataSource database;

    @TestHTTPResource("/api/v1/jobs/")
    URI jobs;

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static String createKey(String tenant, String... scopes) {
        String key = as(AuthEnabledProfile.OPERATOR_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", tenant + " " + String.join(" ", scopes).replace(':', '-'), "tenant", tenant,
                        "scopes", List.of(scopes)))
                .post("/api/v1/admin/keys").then().statusCode(201)
                .body("tenant", equalTo(tenant)).body("prefix", startsWith("qf_"))
                .extract().path("key");
        ISSUED.add(key);
        return key;
    }

    private String submit(String key, String source) {
        return as(key).contentType(ContentType.JSON)
                .body(fixtures.request(source, List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
    }

    @Test
    void aRequestWithoutAValidKeyIs401ProblemJson() {
        given().get("/api/v1/jobs").then().statusCode(401).contentType(PROBLEM)
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("urn:quantforge:problem:unauthorized"));
        String unknown = KeySecrets.newKey();
        given().header("X-API-Key", unknown).get("/api/v1/jobs").then().statusCode(401).contentType(PROBLEM)
                .body("detail", equalTo("the API key is unknown or revoked"));
        as(unknown).get("/api/v1/profiles").then().statusCode(401).contentType(PROBLEM);
        // a bearer token that is not one of our keys (left to OIDC, which is off here)
        as("not-a-key").get("/api/v1/jobs").then().statusCode(401).contentType(PROBLEM);
        // what stays open: health, the dashboard's files
        given().get("/q/health/live").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }

    @Test
    void scopesDecideWhatAKeyMayDo() {
        String source = fixtures.hfModel("acme/stories-scopes");
        String reader = createKey("acme", "jobs:read");
        String submitter = createKey("acme", "jobs:submit");
        as(reader).contentType(ContentType.JSON).body(fixtures.request(source, List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(403).contentType(PROBLEM)
                .body("type", equalTo("urn:quantforge:problem:forbidden"));
        String job = submit(submitter, source);
        as(submitter).get("/api/v1/jobs/" + job).then().statusCode(403).contentType(PROBLEM);
        as(reader).get("/api/v1/jobs/" + job).then().statusCode(200).body("id", equalTo(job));
        as(reader).get("/api/v1/profiles").then().statusCode(200);
        // only the admin scope manages keys
        as(reader).get("/api/v1/admin/keys").then().statusCode(403).contentType(PROBLEM);
        as(submitter).delete("/api/v1/jobs/" + job).then().statusCode(202);
    }

    @Test
    void aKeyIsShownOnceStoredAsItsHashAndRevocable() throws Exception {
        String key = createKey("globex", "jobs:read");
        assertTrue(key.matches("qf_[A-Za-z0-9_-]{43}"), key);
        String id = as(AuthEnabledProfile.OPERATOR_KEY).get("/api/v1/admin/keys").then().statusCode(200)
                .body("prefix", hasItem(key.substring(0, 9)))
                .body(not(containsString(key)))
                .extract().path("find { it.prefix == '" + key.substring(0, 9) + "' }.id");
        try (Connection c = database.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select key_hash from api_keys where id = '" + id + "'")) {
            assertTrue(rs.next());
            assertEquals(KeySecrets.hash(key), rs.getString(1));
        }
        as(key).get("/api/v1/jobs").then().statusCode(200);
        as(AuthEnabledProfile.OPERATOR_KEY).delete("/api/v1/admin/keys/" + id).then().statusCode(200)
                .body("revokedAt", not(equalTo(null)));
        as(key).get("/api/v1/jobs").then().statusCode(401).contentType(PROBLEM);
        as(AuthEnabledProfile.OPERATOR_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "tenant", "nobody", "scopes", List.of("jobs:read", "root")))
                .post("/api/v1/admin/keys").then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", equalTo(List.of("tenant", "scopes[1]")));
    }

    @Test
    void aTenantsAdminManagesThatTenantsKeysOnly() {
        String acmeAdmin = createKey("acme", "admin");
        String globexReader = createKey("globex", "jobs:read");
        // the tenant is the admin's own when the request names none
        String acmeKey = as(acmeAdmin).contentType(ContentType.JSON)
                .body(Map.of("name", "acme ci", "scopes", List.of("jobs:read")))
                .post("/api/v1/admin/keys").then().statusCode(201).body("tenant", equalTo("acme")).extract().path("key");
        ISSUED.add(acmeKey);
        as(acmeAdmin).contentType(ContentType.JSON)
                .body(Map.of("name", "into globex", "tenant", "globex", "scopes", List.of("jobs:read")))
                .post("/api/v1/admin/keys").then().statusCode(403).contentType(PROBLEM);
        List<String> tenantsSeen = as(acmeAdmin).get("/api/v1/admin/keys").then().statusCode(200)
                .body("prefix", hasItem(acmeKey.substring(0, 9))).extract().path("tenant");
        assertEquals(List.of("acme"), tenantsSeen.stream().distinct().toList());
        String globexId = as(AuthEnabledProfile.OPERATOR_KEY).get("/api/v1/admin/keys").then().statusCode(200)
                .extract().path("find { it.prefix == '" + globexReader.substring(0, 9) + "' }.id");
        as(acmeAdmin).delete("/api/v1/admin/keys/" + globexId).then().statusCode(404).contentType(PROBLEM);
        as(globexReader).get("/api/v1/jobs").then().statusCode(200);
    }

    @Test
    void anotherTenantsJobIsNotFoundEverywhere() throws Exception {
        String acme = createKey("acme", "jobs:submit", "jobs:read");
        String globex = createKey("globex", "jobs:submit", "jobs:read");
        String job = submit(acme, fixtures.hfModel("acme/stories-tenants"));
        String theirs = submit(globex, fixtures.hfModel("globex/stories-tenants"));

        for (String path : List.of("/api/v1/jobs/" + job, "/api/v1/jobs/" + job + "/report")) {
            as(globex).get(path).then().statusCode(404).contentType(PROBLEM);
            as(acme).get(path).then().statusCode(200);
        }
        as(globex).delete("/api/v1/jobs/" + job).then().statusCode(404).contentType(PROBLEM);
        as(globex).header("Accept", "text/event-stream").get("/api/v1/jobs/" + job + "/events")
                .then().statusCode(404);
        as(globex).post("/api/v1/jobs/" + job + "/events/tokens").then().statusCode(404);
        List<String> listed = as(globex).get("/api/v1/jobs?limit=100").then().statusCode(200).extract().path("jobs.id");
        assertTrue(listed.contains(theirs));
        assertFalse(listed.contains(job));
        // the same Idempotency-Key in two tenants makes two jobs
        String first = as(acme).header("Idempotency-Key", "same-key").contentType(ContentType.JSON)
                .body(fixtures.request(fixtures.hfModel("acme/stories-idem"), List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        String second = as(globex).header("Idempotency-Key", "same-key").contentType(ContentType.JSON)
                .body(fixtures.request(fixtures.hfModel("globex/stories-idem"), List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        assertFalse(first.equals(second));
        // webhooks are the tenant's too
        String hook = as(acme).contentType(ContentType.JSON)
                .body(Map.of("url", "http://127.0.0.1:9/hook", "eventTypes", List.of("dev.quantforge.job.submitted")))
                .post("/api/v1/webhooks").then().statusCode(201).extract().path("id");
        as(globex).get("/api/v1/webhooks/" + hook).then().statusCode(404);
        List<String> hooks = as(globex).get("/api/v1/webhooks").then().statusCode(200).extract().path("id");
        assertFalse(hooks.contains(hook));
        try (Connection c = database.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select j.tenant, t.tenant, t.results_prefix from jobs j join tasks t"
                        + " on t.job_id = j.id where j.id = '" + job + "'")) {
            assertTrue(rs.next());
            assertEquals("acme", rs.getString(1));
            assertEquals("acme", rs.getString(2));
            assertTrue(rs.getString(3).matches("s3://[^/]+/acme/stories-tenants/" + job + "/.+"), rs.getString(3));
        }
    }

    @Test
    void aSourceOutsideTheTenantsLocationsIsRefusedNamingTheField() {
        String acme = createKey("acme", "jobs:submit");
        String elsewhere = fixtures.hfModel("globex/stories-private");
        as(acme).contentType(ContentType.JSON).body(fixtures.request(elsewhere, List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(400).contentType(PROBLEM)
                .body("errors[0].field", equalTo("source.uri"))
                .body("detail", containsString("outside the locations tenant 'acme' may read"));
        as(acme).contentType(ContentType.JSON).body(fixtures.request("s3://models/acme/../globex/stories-private",
                        List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("source.uri"));
        Map<String, Object> body = new java.util.HashMap<>(fixtures.request(fixtures.hfModel("acme/stories-text"),
                List.of("arm-mobile"), Map.of()));
        body.put("evalText", fixtures.text("globex/eval.txt", "some text"));
        as(acme).contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(400)
                .body("errors[0].field", equalTo("evalText"));
    }

    @Test
    void aKeyOverItsRateLimitIsAnswered429WithRetryAfter() {
        String key = createKey("globex", "jobs:read");
        Optional<Response> limited = Optional.empty();
        for (int i = 0; i < 100 && limited.isEmpty(); i++) {
            Response response = as(key).get("/api/v1/profiles");
            if (response.statusCode() == 429) {
                limited = Optional.of(response);
            } else {
                assertEquals(200, response.statusCode());
            }
        }
        Response response = limited.orElseThrow(() -> new AssertionError("100 requests at once were never limited"));
        assertEquals(PROBLEM, response.contentType());
        assertTrue(Integer.parseInt(response.header("Retry-After")) >= 1);
        // another key has a bucket of its own
        as(createKey("globex", "jobs:read")).get("/api/v1/profiles").then().statusCode(200);
    }

    @Test
    void theEventStreamTakesAShortLivedTokenForItsJobOnly() throws Exception {
        String acme = createKey("acme", "jobs:submit", "jobs:read");
        String job = submit(acme, fixtures.hfModel("acme/stories-stream"));
        String other = submit(acme, fixtures.hfModel("acme/stories-stream-2"));
        String token = as(acme).post("/api/v1/jobs/" + job + "/events/tokens").then().statusCode(200)
                .body("expiresAt", not(equalTo(null))).extract().path("token");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(jobs.resolve(job + "/events?token="
                + token)).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        try (Stream<String> lines = stream.body()) {
            assertEquals("event: job", lines.filter(l -> l.startsWith("event:")).findFirst().orElseThrow()
                    .replace("event:job", "event: job"));
        }
        for (URI wrong : List.of(jobs.resolve(other + "/events?token=" + token), jobs.resolve(job + "/events"),
                jobs.resolve(job + "?token=" + token))) {
            assertEquals(401, http.send(HttpRequest.newBuilder(wrong).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode(), wrong.toString());
        }
    }

    /** Last (methods run in name order): it searches for every key the other tests were given. */
    @Test
    void zNoKeyAppearsInTheLogsOrTheDatabase() throws Exception {
        String acme = createKey("acme", "jobs:submit", "jobs:read");
        String job = submit(acme, fixtures.hfModel("acme/stories-secrets"));
        as(acme).get("/api/v1/jobs/" + job).then().statusCode(200);
        given().header("X-API-Key", acme + "x").get("/api/v1/jobs").then().statusCode(401)
                .body(not(containsString(acme)));
        String log = Files.readString(Path.of(AuthEnabledProfile.LOG));
        assertTrue(log.contains("/api/v1/jobs/" + job), "the access log has the requests");
        assertTrue(log.contains("created API key " + acme.substring(0, 9)), "the log names keys by their prefix");
        StringBuilder rows = new StringBuilder();
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("jobs", "tasks", "outbox", "api_keys", "webhooks", "webhook_deliveries",
                    "idempotency_keys", "catalog_variants", "processed_events")) {
                try (ResultSet rs = s.executeQuery("select t::text from " + table + " t")) {
                    while (rs.next()) {
                        rows.append(rs.getString(1)).append('\n');
                    }
                }
            }
        }
        assertTrue(rows.toString().contains(job), "the rows searched include the job");
        for (String key : ISSUED) {
            assertFalse(log.contains(key), "a key is in " + AuthEnabledProfile.LOG);
            assertFalse(rows.toString().contains(key), "a key is in the database");
            // nor a large part of one
            assertFalse(log.contains(key.substring(3, 20)), "a key's random part is in the log");
        }
    }
}
