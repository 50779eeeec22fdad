package dev.quantforge.api.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.PrivatePostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under a running API (a private server the test stops with {@code pg_ctl stop -m
 * immediate}, never the shared stack's): reads and submits are answered 503 problem+json with Retry-After and no
 * stack trace, and once PostgreSQL is back the API answers again without being restarted.
 */
@QuarkusTest
@WithTestResource(PrivatePostgresResource.class)
class DatabaseOutageTest {

    @Test
    void whilePostgresIsDownTheApiAnswers503WithRetryAfterAndResumesByItself() {
        given().get("/api/v1/jobs").then().statusCode(200);

        PrivatePostgresResource.stopDatabase();
        try {
            for (String path : new String[] {"/api/v1/jobs", "/api/v1/jobs/" + UUID.randomUUID()}) {
                given().get(path).then()
                        .statusCode(503)
                        .contentType(Problem.MEDIA_TYPE)
                        .header("Retry-After", "5")
                        .body("type", equalTo("urn:quantforge:problem:database-unavailable"))
                        .body("status", equalTo(503))
                        .body(not(containsString("Exception")))
                        .body(not(containsString("\tat ")));
            }
            given().delete("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(503).header("Retry-After", "5");
        } finally {
            PrivatePostgresResource.startDatabase();
        }

        Eventually.holds(() -> given().get("/api/v1/jobs").then().statusCode(200));
        given().get("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(404);
    }
}
