package dev.quantforge.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

import dev.quantforge.api.support.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ServiceEndpointsTest {

    @Test
    void readyWhenDatabaseKafkaAndStorageAnswer() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Database connections health check", "Kafka connection health check",
                        "object storage"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void theProfilesAreListed() {
        given().get("/api/v1/profiles").then().statusCode(200)
                .body("profiles.name", hasItems("cpu-x86-avx2", "arm-mobile"))
                .body("profiles.find { it.name == 'cpu-x86-avx2' }.ftype", equalTo("Q4_K_M"))
                // only the limits a profile sets
                .body("profiles.find { it.name == 'cpu-x86-avx2' }.gates",
                        equalTo(Map.of("maxMeanKld", 0.1f, "maxPerplexityIncreasePercent", 10.0f)))
                .body("profiles.find { it.name == 'cpu-server-quality' }.gates.maxMeanKld", equalTo(0.01f));
    }

    @Test
    void theOpenApiDocumentDescribesTheJobsApi() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/api/v1/jobs'.post.requestBody.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/JobRequest"))
                .body("components.schemas.JobRequest.required", hasItems("source", "targets"))
                .body("paths.'/api/v1/jobs/{id}/events'.get", notNullValue())
                .body("paths.'/api/v1/jobs/events'.get", notNullValue())
                .body("paths.'/api/v1/webhooks/{id}/enable'.post", notNullValue())
                .body("paths.'/api/v1/webhooks/{id}/rotate-secret'.post", notNullValue())
                .body("paths.'/api/v1/webhooks/{id}/deliveries/{deliveryId}/replay'.post.responses.keySet()",
                        hasItems("202", "404", "409"))
                .body("paths.'/api/v1/jobs/{id}/report'.get.responses.'200'.content.keySet()",
                        hasItems("application/json", "text/markdown"))
                .body("components.schemas.JobRequest.properties.keySet()", hasItems("evalText", "qualityGates"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void metricsCountJobsByStateAndTheQueue() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("quantforge_jobs{state=\"QUEUED\"}"))
                .body(containsString("quantforge_tasks_queued"));
    }
}
