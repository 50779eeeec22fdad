package dev.quantforge.api.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;

import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.support.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** What a client may send to POST /api/v1/jobs is bounded, and each bound is a 4xx problem+json naming the part. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class RequestLimitsTest {

    private static final String SOURCE = "{\"uri\": \"s3://quantforge-models/stories260K\", \"format\": \"hf\"}";

    @Test
    void aBodyOverTheLimitIsRefusedBeforeItIsRead() {
        String body = "{\"source\": " + SOURCE + ", \"targets\": [\"cpu-x86-avx2\"], \"name\": \""
                + "n".repeat(70_000) + "\"}";

        given().contentType("application/json").body(body).post("/api/v1/jobs").then()
                .statusCode(413)
                .contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo("urn:quantforge:problem:body-too-large"))
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void jsonNestedDeeperThanTheLimitIsRefused() {
        String deep = "[".repeat(100) + "]".repeat(100);

        given().contentType("application/json").body("{\"source\": " + SOURCE + ", \"labels\": " + deep + "}")
                .post("/api/v1/jobs").then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("errors[0].field", equalTo("body"))
                .body("errors[0].message", containsString("nesting depth"));
    }

    @Test
    void bytesJacksonTakesForUtf32AreABadBodyNotAServerError() {
        byte[] body = {0, 0, 0, '{', 2, 0, 't', 'a'};

        given().contentType("application/json").body(body).post("/api/v1/jobs").then()
                .statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void aSourceOutsideS3BucketPrefixSyntaxIsRefusedByField() {
        for (String uri : new String[] {"s3://quantforge-models/a/../other-tenant/", "file:///etc/passwd",
                "https://quantforge-models/x", "s3://quantforge-models//x"}) {
            given().contentType("application/json")
                    .body("{\"source\": {\"uri\": \"" + uri + "\", \"format\": \"hf\"}, \"targets\": [\"cpu-x86-avx2\"]}")
                    .post("/api/v1/jobs").then()
                    .statusCode(400)
                    .contentType(Problem.MEDIA_TYPE)
                    .body("errors", hasSize(1))
                    .body("errors[0].field", equalTo("source.uri"));
        }
    }

    @Test
    void tooManyTargetsAndLabelsAndOversizedLabelsAreNamed() {
        String targets = "[" + "\"cpu-x86-avx2\",".repeat(JobRequestParser.MAX_TARGETS) + "\"arm-mobile\"]";
        StringBuilder labels = new StringBuilder("{");
        for (int i = 0; i <= JobRequestParser.MAX_LABELS; i++) {
            labels.append("\"k").append(i).append("\": \"v\",");
        }
        labels.setCharAt(labels.length() - 1, '}');
        given().contentType("application/json")
                .body("{\"source\": " + SOURCE + ", \"targets\": " + targets + ", \"labels\": " + labels + "}")
                .post("/api/v1/jobs").then()
                .statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("targets", "labels"));

        String longKey = "k".repeat(5000);
        given().contentType("application/json")
                .body("{\"source\": " + SOURCE + ", \"targets\": [\"arm-mobile\"], \"labels\": {\"" + longKey
                        + "\": \"v\", \"team\": \"" + "v".repeat(300) + "\"}}")
                .post("/api/v1/jobs").then()
                .statusCode(400)
                .body("errors", hasSize(2))
                .body("errors[0].field.length()", lessThan(220))
                .body("errors[1].field", equalTo("labels.team"));
    }
}
