package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.Browser;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard at the API's root, in a real browser (Debian's chromium, driven by playwright-core): a job is
 * submitted through the form, followed on its page until it has SUCCEEDED, and its chart holds one point per
 * variant. The screenshots go to {@code e2e/target/dashboard/}.
 */
@ExtendWith(RunningProduct.class)
class DashboardTest {
    private static final Set<String> PROFILES = Set.of("cpu-x86-avx2", "cpu-server-quality");
    private static final Path SCREENSHOTS = Path.of("target/dashboard").toAbsolutePath();

    @Test
    void aJobSubmittedOnTheDashboardIsWatchedToTheEndAndCharted(Product product) throws Exception {
        Browser.requireChromium();
        assertEquals(200, status(product.api().base().resolve("/")), "the dashboard is served at /");
        S3Uri source = product.uploadStories("models/dashboard-stories260K/");

        JsonNode result = Browser.run("dashboard.mjs", Map.of(
                        "QF_DASHBOARD_URL", product.api().base().toString(),
                        "QF_SOURCE_URI", source.toString(),
                        "QF_API_KEY", product.apiKey(),
                        "QF_PROFILES", String.join(",", PROFILES),
                        "QF_SCREENSHOTS", SCREENSHOTS.toString(),
                        "QF_JOB_TIMEOUT_MS", "180000"),
                Duration.ofMinutes(5), product.dir().resolve("dashboard-browser.log"));
        System.out.println("dashboard: " + result);

        assertEquals("SUCCEEDED", result.path("state").asText(), "the job's state on its page: " + result);
        UUID id = UUID.fromString(result.path("jobId").asText());
        JsonNode job = product.api().job(id);
        assertEquals("SUCCEEDED", job.path("state").asText(), "the API agrees");
        assertEquals("dashboard", job.path("labels").path("suite").asText(), "the form's labels reached the job");
        assertEquals(source.toString(), job.path("source").path("uri").asText());
        Set<String> variants = new HashSet<>();
        Set<String> profiles = new HashSet<>();
        job.path("tasks").forEach(t -> {
            variants.add(t.path("variant").asText());
            profiles.add(t.path("profile").asText());
        });
        assertEquals(PROFILES, profiles, "one task per ticked profile");

        assertEquals(2, result.path("variants").asInt(), "a row per variant on the job page");
        assertEquals(2, result.path("reportRows").asInt(), "a report row per variant");
        Set<String> plotted = new HashSet<>();
        result.path("points").forEach(p -> plotted.add(p.path("variant").asText()));
        assertEquals(2, result.path("points").size(), "one point per variant: " + result.path("points"));
        assertEquals(variants, plotted, "the points are the job's variants");
        assertFalse(result.path("cancelVisible").asBoolean(), "no cancel button once the job has ended");
        assertEquals("SUCCEEDED", result.path("listState").asText(), "the jobs list shows the job ended");
        assertTrue(result.path("profileRows").asInt() >= PROFILES.size(), "the profiles page lists the profiles");
        assertEquals(0, result.path("stray").size(), "no null/undefined/NaN shown: " + result.path("stray"));
        assertEquals(0, result.path("pageErrors").size(), "no script errors: " + result.path("pageErrors"));
        assertEquals(0, result.path("offsite").size(), "nothing fetched but the API: " + result.path("offsite"));
        boolean catalog = product.api().get("/api/v1/catalog/models").status() == 200;
        assertEquals(catalog, result.path("catalogLinkVisible").asBoolean(), "the Catalog link shows only with a catalog");

        // the job list is live: a job submitted meanwhile appeared, then its cancellation, with no reload
        assertTrue(result.path("liveListNotReloaded").asBoolean(), "the list updated in place: " + result);
        assertEquals("CANCELLED", product.api().job(UUID.fromString(result.path("liveJobId").asText()))
                .path("state").asText());

        // the catalog: the job's model, its page with every variant, one variant with its lineage
        String model = job.path("modelName").asText();
        assertEquals(model, result.path("model").asText());
        assertTrue(result.path("catalogVariants").asInt() >= 2, "the model's variants counted: " + result);
        Set<String> listed = new HashSet<>();
        for (JsonNode v : result.path("modelVariants")) {
            listed.add(v.path("id").asText());
            assertEquals("SUCCEEDED", v.path("state").asText(), v::toString);
            assertEquals("not pushed", v.path("oci").asText(), "the job publishes nowhere: " + v);
            assertTrue(v.path("download").asText().endsWith("/variants/" + v.path("id").asText() + "/download"),
                    v::toString);
        }
        Set<String> tasks = new HashSet<>();
        job.path("tasks").forEach(t -> tasks.add(t.path("id").asText()));
        assertTrue(listed.containsAll(tasks), "the model page lists the job's variants: " + listed + " ⊇ " + tasks);
        assertTrue(result.path("variantHeading").asText().startsWith("Variant: "), result::toString);
        assertEquals("not pushed", result.path("variantOci").asText());
        // lineage: every object of the source, with the store's ETag and the SHA-256 the worker computed
        JsonNode objects = result.path("lineageObjects");
        assertTrue(objects.size() >= 3, "config, tokenizer, safetensors: " + objects);
        boolean safetensors = false;
        for (JsonNode o : objects) {
            assertTrue(o.get(0).asText().startsWith(source.toString()), o::toString);
            assertFalse(o.get(2).asText().isBlank(), "an ETag: " + o);
            assertTrue(o.get(3).asText().matches("[0-9a-f]{64}"), "a sha256: " + o);
            if (o.get(0).asText().endsWith(".safetensors")) {
                safetensors = true;
                S3Uri uri = S3Uri.parse(o.get(0).asText());
                assertEquals(sha256(product.storage().read(uri)), o.get(3).asText(), "the object's own sha256");
            }
        }
        assertTrue(safetensors, objects::toString);
        assertTrue(result.path("lineageText").asText().contains("built by engine"), result::toString);
        assertEquals(302, result.path("downloadStatus").asInt(), "the download link redirects to a presigned URL");
        assertEquals(0, result.path("catalogStray").size(), "no null/undefined/NaN: " + result.path("catalogStray"));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static int status(URI uri) throws Exception {
        HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("Accept", "application/json").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode();
    }
}
