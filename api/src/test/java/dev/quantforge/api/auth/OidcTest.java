package dev.quantforge.api.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * OIDC bearer tokens from a real Keycloak (client-credentials tokens of the realm's service accounts): scopes from
 * the realm roles, the tenant from the token's claim, the rate limit per subject. Tagged slow: Keycloak takes half a minute to start.
 */
@QuarkusTest
@Tag("slow")
@Tag("oidc")
@TestProfile(OidcProfile.class)
@WithTestResource(LocalStackResource.class)
@WithTestResource(KeycloakResource.class)
class OidcTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    Fixtures fixtures;

    private String token(String client, String secret) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(client, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(KeycloakResource.issuer() + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return fixtures.read(response.body(), Map.class).get("access_token").toString();
    }

    @Test
    void aTokensRolesAreItsScopesAndItsClaimItsTenant() throws Exception {
        String acme = token("acme-ci", "acme-ci-test-secret");
        String globex = token("globex-dashboard", "globex-dashboard-test-secret");
        String job = given().header("Authorization", "Bearer " + acme).contentType(ContentType.JSON)
                .body(fixtures.request(fixtures.hfModel("acme/stories-oidc"), List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(202).extract().path("id");
        given().header("Authorization", "Bearer " + acme).get("/api/v1/jobs/" + job).then().statusCode(200)
                .body("id", equalTo(job));
        // another tenant's job is not there; a reader may not submit
        given().header("Authorization", "Bearer " + globex).get("/api/v1/jobs/" + job).then().statusCode(404)
                .contentType(PROBLEM);
        given().header("Authorization", "Bearer " + globex).contentType(ContentType.JSON)
                .body(fixtures.request(fixtures.hfModel("globex/stories-oidc"), List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(403).contentType(PROBLEM);
        // a source outside the token's tenant
        given().header("Authorization", "Bearer " + acme).contentType(ContentType.JSON)
                .body(fixtures.request(fixtures.hfModel("globex/stories-oidc-2"), List.of("arm-mobile"), Map.of()))
                .post("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("source.uri"));
    }

    @Test
    void aTokenWithoutATenantOrWithABrokenSignatureIsRefused() throws Exception {
        String noTenant = token("no-tenant", "no-tenant-test-secret");
        given().header("Authorization", "Bearer " + noTenant).get("/api/v1/jobs").then().statusCode(401)
                .contentType(PROBLEM);
        String acme = token("acme-ci", "acme-ci-test-secret");
        int signature = acme.lastIndexOf('.') + 5;
        String tampered = acme.substring(0, signature) + (acme.charAt(signature) == 'A' ? 'B' : 'A')
                + acme.substring(signature + 1);
        given().header("Authorization", "Bearer " + tampered).get("/api/v1/jobs").then().statusCode(401)
                .contentType(PROBLEM);
        given().header("Authorization", "Bearer " + acme).get("/api/v1/jobs").then().statusCode(200);
    }

    @Test
    void aTokensSubjectOverTheRateLimitIsAnswered429WithRetryAfter() throws Exception {
        String poller = token("globex-poller", "globex-poller-test-secret");
        Response limited = null;
        for (int i = 0; i < 100 && limited == null; i++) {
            Response response = given().header("Authorization", "Bearer " + poller).get("/api/v1/profiles");
            if (response.statusCode() == 429) {
                limited = response;
            } else {
                assertEquals(200, response.statusCode());
            }
        }
        assertNotNull(limited, "100 requests at once were never limited");
        assertEquals(PROBLEM, limited.contentType());
        assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
        // another subject of the same tenant has a bucket of its own
        given().header("Authorization", "Bearer " + token("globex-dashboard", "globex-dashboard-test-secret"))
                .get("/api/v1/profiles").then().statusCode(200);
    }
}
