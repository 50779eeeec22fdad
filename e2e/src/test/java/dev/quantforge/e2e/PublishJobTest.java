package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Manifests;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import dev.quantforge.engine.oci.Digests;
import dev.quantforge.engine.oci.OciClient;
import dev.quantforge.engine.oci.OciReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job with {@code "publish"} submitted through the API ends with its variants in the local stack's registry: each
 * variant under a tag of its own, the registry's manifest and GGUF the very bytes the worker wrote to S3; and each
 * variant's deployment bundle ({@code deploy/}) is in S3 and its manifest, its Kubernetes objects valid.
 */
@ExtendWith(RunningProduct.class)
class PublishJobTest {
    private static final String OLLAMA_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @Test
    void aJobsVariantsArePushedToTheStacksRegistryEachUnderItsOwnTag(Product product) throws Exception {
        String registry = product.registryAddress().orElse(null);
        Assumptions.assumeTrue(registry != null, "the local stack runs no registry (docker-registry not installed)");
        S3Uri source = product.uploadStories("models/stories260K-publish/");
        String ollamaRepo = product.runId() + "/stories";
        String packRepo = product.runId() + "/packs/stories";
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        request.putArray("targets").add("arm-mobile").add("cpu-x86-avx2");
        var publish = request.putArray("publish");
        publish.addObject().put("oci", "oci://" + registry + "/" + ollamaRepo);
        publish.addObject().put("oci", registry + "/" + packRepo + ":v1").put("format", "modelpack");
        UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());

        JsonNode job = product.api().awaitEnd(id, Duration.ofSeconds(120));
        assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);
        assertEquals(2, job.path("publish").size(), job::toPrettyString);

        OciClient client = new OciClient(registry, OciClient.Credentials.none(), true, OciClient.DEFAULT_CHUNK,
                Duration.ofSeconds(30));
        for (JsonNode task : job.path("tasks")) {
            String variant = task.path("variant").asText();
            assertEquals(registry + "/" + ollamaRepo + ":" + variant, task.at("/publish/0/oci").asText(), task::toPrettyString);
            assertEquals(registry + "/" + packRepo + ":v1-" + variant, task.at("/publish/1/oci").asText(), task::toPrettyString);

            S3Uri prefix = S3Uri.parse(task.path("resultsPrefix").asText());
            JsonNode s3Manifest = ApiClient.json().readTree(product.storage().read(prefix.resolve("manifest.json")));
            Map<String, String> sha256 = new HashMap<>();
            s3Manifest.path("files").forEach(f -> sha256.put(f.path("name").asText(), f.path("sha256").asText()));
            String modelFile = s3Manifest.path("modelFile").asText();
            String modelDigest = "sha256:" + sha256.get(modelFile);

            // beside the variant, what serving it takes: listed in the manifest, the Kubernetes objects valid
            for (String file : List.of("deploy/Dockerfile", "deploy/compose.yaml", "deploy/kubernetes.yaml", "deploy/README.md")) {
                assertTrue(sha256.containsKey(file), () -> file + " in the manifest: " + sha256.keySet());
            }
            String dockerfile = new String(product.storage().read(prefix.resolve("deploy/Dockerfile")), StandardCharsets.UTF_8);
            assertTrue(dockerfile.contains("FROM ghcr.io/ggml-org/llama.cpp:server") && dockerfile.contains("COPY " + modelFile + " "),
                    dockerfile);
            List<ObjectNode> objects = Manifests.parseYaml(new String(product.storage().read(prefix.resolve("deploy/kubernetes.yaml")),
                    StandardCharsets.UTF_8), "deploy/kubernetes.yaml");
            String report = Manifests.validate(objects, product.dir().resolve("validate"));
            assertTrue(report.contains("2 objects, 0 invalid"), report);

            // Ollama: the registry's manifest is the one under ollama/ in S3, its model layer the variant's GGUF
            OciReference ollama = OciReference.parse(task.at("/publish/0/oci").asText());
            byte[] manifest = client.manifest(ollama, ollama.tag(), OLLAMA_MANIFEST);
            String ollamaKey = "ollama/manifests/registry.ollama.ai/library/" + job.path("modelName").asText() + "/" + variant;
            assertEquals(sha256.get(ollamaKey), Digests.hex(Digests.of(manifest)), "the pushed manifest is the one in S3");
            assertArrayEquals(product.storage().read(prefix.resolve(ollamaKey)), manifest);
            JsonNode layers = ApiClient.json().readTree(manifest).path("layers");
            assertEquals(modelDigest, layers.get(0).path("digest").asText());
            byte[] gguf = client.blob(ollama, modelDigest);
            assertEquals(modelDigest, Digests.of(gguf), "pulled back, the GGUF has the digest the manifest names");
            assertArrayEquals(product.storage().read(prefix.resolve(modelFile)), gguf, "and is the GGUF in S3");

            // ModelPack: the given tag and the variant
            OciReference pack = OciReference.parse(task.at("/publish/1/oci").asText());
            byte[] packBytes = client.manifest(pack, pack.tag(), OCI_MANIFEST);
            JsonNode packManifest = ApiClient.json().readTree(packBytes);
            assertEquals("application/vnd.cncf.model.manifest.v1+json", packManifest.path("artifactType").asText());
            assertEquals(modelDigest, packManifest.at("/layers/0/digest").asText());
            assertEquals(modelDigest, Digests.of(client.blob(pack, modelDigest)));

            // the catalog names both pushes by the digests the registry holds, on the model's page and the variant's
            List<String> pushed = List.of(ollama + "@" + Digests.of(manifest), pack + "@" + Digests.of(packBytes));
            String model = job.path("modelName").asText();
            ApiClient.Reply detail = product.api().get("/api/v1/catalog/models/" + model + "/variants/" + task.path("id").asText());
            assertEquals(200, detail.status(), () -> detail.body().toPrettyString());
            List<String> listed = new java.util.ArrayList<>();
            detail.body().at("/variant/ociReferences").forEach(r -> listed.add(r.asText()));
            assertEquals(pushed, listed, () -> detail.body().toPrettyString());
            ApiClient.Reply page = product.api().get("/api/v1/catalog/models/" + model);
            List<String> onPage = new java.util.ArrayList<>();
            page.body().path("variants").forEach(v -> {
                if (v.path("id").asText().equals(task.path("id").asText())) {
                    v.path("ociReferences").forEach(r -> onPage.add(r.asText()));
                }
            });
            assertEquals(pushed, onPage, () -> page.body().toPrettyString());
            // and its lineage has the source's objects as the worker read them
            assertTrue(detail.body().at("/lineage/source/objects").size() >= 2, () -> detail.body().toPrettyString());
        }
    }
}
