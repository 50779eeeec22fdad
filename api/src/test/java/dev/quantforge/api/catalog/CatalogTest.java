package dev.quantforge.api.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.quality.BenchmarkSummary;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The catalog over jobs whose variants a stand-in worker reports built (and one rejected). */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class CatalogTest {

    private static final BenchmarkSummary Q8_0 =
            new BenchmarkSummary(1_100_000, 8.5, 3.76, 10.0, 10.01, 0.1, 0.0005, 99.2, 2500.0, 310.0, 4, "llama.cpp");
    private static final BenchmarkSummary Q4_K_M =
            new BenchmarkSummary(620_000, 4.89, 6.54, 10.0, 10.4, 4.0, 0.031, 93.5, 2100.0, 420.0, 4, "llama.cpp");
    private static final BenchmarkSummary Q2_K =
            new BenchmarkSummary(400_000, 2.96, 10.8, 10.0, 17.2, 72.0, 0.71, 70.1, 1800.0, 480.0, 4, "llama.cpp");

    @Inject
    Fixtures fixtures;

    @Inject
    MinioClient s3;

    @Test
    void everyBuiltVariantIsListedWithItsFiguresLineageAndDownload() throws Exception {
        String source = fixtures.hfModel("catalog-llama");
        JobView first = fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2", "cpu-server-quality",
                Map.of("format", "gguf", "ftype", "Q2_K")), Map.of("team", "search")));
        TaskView avx2 = first.tasks().get(0);
        fixtures.report(fixtures.benchmarked(avx2, first.id(), Q4_K_M, null),
                fixtures.benchmarked(first.tasks().get(1), first.id(), Q8_0, null),
                fixtures.benchmarked(first.tasks().get(2), first.id(), Q2_K, "mean KLD 0.71 > limit 0.6"));
        Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(first.id()).state()));
        // a later job builds cpu-x86-avx2 again: its variant is the newest of that profile
        JobView second = fixtures.submit(fixtures.request(source, List.of("cpu-x86-avx2"), Map.of("team", "ads")));
        TaskView newer = second.tasks().get(0);
        // it was pushed to a registry, and its worker recorded the source objects it read
        String pushed = "127.0.0.1:15000/catalog/llama:q4_k_m@sha256:" + "5e".repeat(32);
        List<TaskEvent.SourceObject> read = List.of(
                new TaskEvent.SourceObject(source + "config.json", 412, "0f343b0931126a20f133d67c2b018a3b", "1a".repeat(32)),
                new TaskEvent.SourceObject(source + "model.safetensors", 9000, "9b2cf535f27731c974343645a3985328-2",
                        "2b".repeat(32)));
        fixtures.report(fixtures.benchmarked(newer, second.id(), Q4_K_M, null, read, List.of(pushed)));
        Eventually.holds(() -> assertEquals(JobState.SUCCEEDED, fixtures.job(second.id()).state()));

        given().get("/api/v1/catalog/models?name=CATALOG-LL").then().statusCode(200)
                .body("models.name", contains("catalog-llama"))
                .body("models[0].variants", equalTo(3))
                .body("models[0].rejected", equalTo(0))
                .body("models[0].formats", contains("gguf"))
                .body("models[0].profiles", contains("cpu-server-quality", "cpu-x86-avx2"));
        given().get("/api/v1/catalog/models?name=catalog-llama&includeRejected=true").then().statusCode(200)
                .body("models[0].variants", equalTo(4)).body("models[0].rejected", equalTo(1));
        given().get("/api/v1/catalog/models?name=catalog-llama&label=team=ads").then().statusCode(200)
                .body("models[0].variants", equalTo(1));
        given().get("/api/v1/catalog/models?name=catalog-llama&target=x86_64&profile=cpu-x86-avx2").then()
                .body("models[0].variants", equalTo(2));
        given().get("/api/v1/catalog/models?name=catalog-llama&target=aarch64").then().body("models", hasSize(0));
        given().get("/api/v1/catalog/models?name=catalog-llama&format=mlx").then().body("models", hasSize(0));

        // newest cpu-x86-avx2 first, then its older one, then the other profile
        given().get("/api/v1/catalog/models/catalog-llama").then().statusCode(200)
                .body("variants.id", contains(newer.id().toString(), avx2.id().toString(),
                        first.tasks().get(1).id().toString()))
                .body("variants.latest", contains(true, false, true))
                .body("variants[0].profile", equalTo("cpu-x86-avx2"))
                .body("variants[0].target.arch", equalTo("x86_64"))
                .body("variants[0].state", equalTo("SUCCEEDED"))
                .body("variants[0].modelBytes", equalTo(620_000))
                .body("variants[0].bitsPerWeight", equalTo(4.89f))
                .body("variants[0].perplexity", equalTo(10.4f))
                .body("variants[0].perplexityIncreasePercent", equalTo(4.0f))
                .body("variants[0].meanKld", equalTo(0.031f))
                .body("variants[0].generationTokensPerSecond", equalTo(420.0f))
                .body("variants[0].sha256", equalTo("cd".repeat(32)))
                .body("variants[0].manifestUri", equalTo(newer.resultsPrefix() + "manifest.json"))
                .body("variants[0].labels.team", equalTo("ads"))
                .body("variants[0].ociReferences", contains(pushed))
                .body("variants[1].ociReferences", hasSize(0));
        given().get("/api/v1/catalog/models/catalog-llama?includeRejected=true").then()
                .body("variants", hasSize(4))
                .body("variants.find { it.state == 'REJECTED' }.reason", equalTo("mean KLD 0.71 > limit 0.6"))
                .body("variants.find { it.state == 'REJECTED' }.manifestUri", containsString("rejected/"));
        given().get("/api/v1/catalog/models/catalog-llama?limit=2").then()
                .body("variants", hasSize(2)).body("nextOffset", equalTo(2));

        // the variant by name is the newest of that name; the manifest comes from object storage
        put(newer.resultsPrefix() + "manifest.json", "{\"manifestVersion\": 2, \"engineVersion\": \"1.2.3\","
                + " \"engineCommit\": \"abc123\", \"variant\": \"Q4_K_M\"}");
        put(newer.resultsPrefix() + "model-Q4_K_M.gguf", "GGUF-bytes");
        given().get("/api/v1/catalog/models/catalog-llama/variants/Q4_K_M").then().statusCode(200)
                .body("variant.id", equalTo(newer.id().toString()))
                .body("files[0].name", equalTo("model-Q4_K_M.gguf"))
                .body("gates.maxMeanKld", equalTo(0.1f))
                .body("lineage.source.uri", equalTo(source))
                .body("lineage.source.objects.uri", contains(source + "config.json", source + "model.safetensors"))
                .body("lineage.source.objects[1].bytes", equalTo(9000))
                .body("lineage.source.objects[1].etag", equalTo("9b2cf535f27731c974343645a3985328-2"))
                .body("lineage.source.objects[1].sha256", equalTo("2b".repeat(32)))
                // a prefix of several objects has no one ETag
                .body("lineage.source.etag", nullValue())
                .body("variant.ociReferences", contains(pushed))
                .body("lineage.job.id", equalTo(second.id().toString()))
                .body("lineage.task.id", equalTo(newer.id().toString()))
                .body("lineage.engineVersion", equalTo("1.2.3"))
                .body("lineage.engineCommit", equalTo("abc123"))
                .body("lineage.worker", equalTo("worker-test"))
                .body("manifest.manifestVersion", equalTo(2))
                .body("manifestError", nullValue());
        // the older one by id or by job; its manifest is not in storage: said, not failed
        given().get("/api/v1/catalog/models/catalog-llama/variants/Q4_K_M?job=" + first.id()).then().statusCode(200)
                .body("variant.id", equalTo(avx2.id().toString()))
                .body("manifest", nullValue())
                .body("manifestError", containsString("manifest.json"));
        given().get("/api/v1/catalog/models/catalog-llama/variants/" + avx2.id()).then().statusCode(200)
                .body("variant.jobId", equalTo(first.id().toString()));

        // rejected only when asked
        given().get("/api/v1/catalog/models/catalog-llama/variants/Q2_K").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("includeRejected"));
        given().get("/api/v1/catalog/models/catalog-llama/variants/Q2_K?includeRejected=true").then().statusCode(200)
                .body("variant.state", equalTo("REJECTED"));

        // download: a presigned URL that serves the model file
        Response download = given().redirects().follow(false)
                .get("/api/v1/catalog/models/catalog-llama/variants/Q4_K_M/download");
        assertEquals(302, download.statusCode());
        String location = download.header("Location");
        assertTrue(location.contains("X-Amz-Expires=300"), location);
        HttpResponse<String> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fetched.statusCode());
        assertEquals("GGUF-bytes", fetched.body());
        given().redirects().follow(false).get("/api/v1/catalog/models/catalog-llama/variants/Q4_K_M/download?file=nope")
                .then().statusCode(404);
    }

    @Test
    void aGgufSourceIsOneObjectWhoseEtagAndSha256AreTheSourcesOwn() {
        String source = fixtures.ggufModel("catalog-gguf");
        JobView job = fixtures.submit(Map.of("source", Map.of("uri", source, "format", "gguf"),
                "targets", List.of("cpu-x86-avx2"), "labels", Map.of()));
        TaskEvent.SourceObject read = new TaskEvent.SourceObject(source, 4, "7b4c3c4d2b9e4d2a8f0e5b3c0d9a1e2f",
                "3c".repeat(32));
        fixtures.report(fixtures.benchmarked(job.tasks().get(0), job.id(), Q4_K_M, null, List.of(read), List.of()));
        Eventually.holds(() -> assertEquals(JobState.SUCCEEDED, fixtures.job(job.id()).state()));
        given().get("/api/v1/catalog/models/catalog-gguf/variants/" + job.tasks().get(0).id()).then().statusCode(200)
                .body("lineage.source.format", equalTo("gguf"))
                .body("lineage.source.etag", equalTo("7b4c3c4d2b9e4d2a8f0e5b3c0d9a1e2f"))
                .body("lineage.source.sha256", equalTo("3c".repeat(32)))
                .body("lineage.source.objects", hasSize(1))
                .body("variant.ociReferences", hasSize(0));
    }

    @Test
    void unknownModelsAndVariantsAreProblems() {
        given().get("/api/v1/catalog/models/no-such-model").then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:quantforge:problem:not-found"))
                .body("detail", equalTo("no model 'no-such-model' in the catalog"));
        given().get("/api/v1/catalog/models/no-such-model/variants/Q4_0").then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/api/v1/catalog/models/no-such-model/variants/Q4_0/download").then().statusCode(404);
        given().get("/api/v1/catalog/models?limit=0&cursor=%%%").then().statusCode(400)
                .body("errors.field", contains("limit", "cursor"));
    }

    @Test
    void modelsArePagedByName() {
        String source = fixtures.hfModel("paged-a");
        for (String name : List.of("paged-a", "paged-b", "paged-c")) {
            JobView job = fixtures.submit(fixtures.request(fixtures.hfModel(name), List.of("arm-mobile"), Map.of()));
            fixtures.report(fixtures.benchmarked(job.tasks().get(0), job.id(), Q4_K_M, null));
            Eventually.holds(() -> assertEquals(JobState.SUCCEEDED, fixtures.job(job.id()).state()));
        }
        String cursor = given().get("/api/v1/catalog/models?name=paged-&limit=2").then()
                .body("models.name", contains("paged-a", "paged-b")).extract().path("nextCursor");
        given().get("/api/v1/catalog/models?name=paged-&limit=2&cursor=" + cursor).then()
                .body("models.name", contains("paged-c")).body("nextCursor", nullValue());
        given().get("/api/v1/catalog/models?name=paged-&target=android").then()
                .body("models.name", contains("paged-a", "paged-b", "paged-c"));
        assertTrue(source.endsWith("paged-a"));
    }

    private void put(String uri, String content) throws Exception {
        S3Uri at = S3Uri.parse(uri);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(at.bucket()).object(at.key())
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
    }
}
