package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.plan.LlamaFileType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main path: a model in object storage, a job for three hardware profiles, verified variants back in storage. */
@ExtendWith(RunningProduct.class)
class ConversionJobTest {
    /** The built-in profiles and the file types they build (docs: DESIGN.md, Hardware profiles). */
    private static final Map<String, LlamaFileType> PROFILES = Map.of(
            "cpu-x86-avx2", LlamaFileType.Q4_K_M,
            "arm-mobile", LlamaFileType.Q4_0,
            "cpu-server-quality", LlamaFileType.Q8_0);

    @Test
    void aJobForThreeProfilesEndsWithVerifiedVariantsInStorage(Product product) throws Exception {
        S3Uri source = product.uploadStories("models/stories260K/");
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        request.putArray("targets").add("cpu-x86-avx2").add("arm-mobile").add("cpu-server-quality");
        UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());

        List<ApiClient.Event> events = product.api().follow(id, Duration.ofSeconds(90), event -> { });

        assertEquals("job", events.get(0).name(), "the stream starts with the whole job");
        ApiClient.Event last = events.get(events.size() - 1);
        assertEquals("job", last.name(), "the stream ends with the whole job");
        assertEquals("SUCCEEDED", last.data().path("state").asText(), () -> last.data().toPrettyString());
        assertTrue(events.stream().anyMatch(e -> e.name().equals("task")), "task changes were streamed");

        JsonNode job = product.api().job(id);
        assertEquals("SUCCEEDED", job.path("state").asText());
        assertEquals(PROFILES.keySet(), profiles(job), "one task per profile");
        for (JsonNode task : job.path("tasks")) {
            LlamaFileType ftype = PROFILES.get(task.path("profile").asText());
            assertEquals("SUCCEEDED", task.path("state").asText(), task::toPrettyString);
            assertFalse(task.path("result").isNull() || task.path("result").isMissingNode(), () -> "no result: " + task);
            assertEquals(ftype.name(), task.path("variant").asText());
            verifyVariant(product, job, task, ftype);
        }
        verifyReport(product, id);
    }

    /** The job's comparison table: real figures for every variant, KL divergence growing as bits shrink. */
    private static void verifyReport(Product product, UUID id) {
        ApiClient.Reply reply = product.api().get("/api/v1/jobs/" + id + "/report");
        assertEquals(200, reply.status(), () -> String.valueOf(reply.body()));
        JsonNode report = reply.body();
        assertEquals(4.3177, report.path("sourcePerplexity").asDouble(), 1e-3, "stories260K's F32 perplexity on eval.txt");
        Map<String, Double> meanKld = new HashMap<>();
        for (JsonNode row : report.path("rows")) {
            assertEquals("SUCCEEDED", row.path("state").asText(), row::toPrettyString);
            assertTrue(row.path("perplexity").asDouble() > 4.3 && row.path("modelBytes").asLong() > 0, row::toPrettyString);
            assertTrue(row.path("promptTokensPerSecond").asDouble() > 0 && row.path("generationTokensPerSecond").asDouble() > 0,
                    row::toPrettyString);
            meanKld.put(row.path("ftype").asText(), row.path("meanKld").asDouble());
        }
        assertTrue(0 < meanKld.get("Q8_0") && meanKld.get("Q8_0") < meanKld.get("Q4_K_M")
                && meanKld.get("Q4_K_M") < meanKld.get("Q4_0"), () -> "mean KLD by file type: " + meanKld);
        String markdown = product.api().markdown("/api/v1/jobs/" + id + "/report");
        for (String ftype : List.of("Q8_0", "Q4_K_M", "Q4_0")) {
            assertTrue(markdown.contains("| " + ftype + " |"), () -> "a row for " + ftype + " in\n" + markdown);
        }
    }

    /** What a user downloading the variant would check: every file the manifest lists, byte for byte, and the model itself. */
    private static void verifyVariant(Product product, JsonNode job, JsonNode task, LlamaFileType ftype) throws Exception {
        S3Uri prefix = S3Uri.parse(task.path("resultsPrefix").asText());
        assertEquals(new S3Uri(product.resultsBucket(), job.path("modelName").asText() + "/" + job.path("id").asText()
                + "/" + ftype.name() + "/").toString(), prefix.toString(), "results layout <bucket>/<model>/<job>/<variant>/");
        JsonNode manifest = ApiClient.json().readTree(product.storage().read(prefix.resolve("manifest.json")));
        assertEquals(task.path("id").asText(), manifest.path("taskId").asText());

        Map<String, JsonNode> files = new HashMap<>();
        manifest.path("files").forEach(f -> files.put(f.path("name").asText(), f));
        String modelFile = manifest.path("modelFile").asText();
        assertTrue(modelFile.endsWith(".gguf"), modelFile);
        assertTrue(files.keySet().containsAll(Set.of(modelFile, "README.md", "benchmark.json")),
                () -> "manifest lists " + files.keySet());
        String card = new String(product.storage().read(prefix.resolve("README.md")), StandardCharsets.UTF_8);
        assertTrue(card.contains("mean KLD"), () -> "the model card's figures table:\n" + card);
        for (JsonNode file : files.values()) {
            S3Uri object = prefix.resolve(file.path("name").asText());
            assertEquals(object.toString(), file.path("uri").asText());
            byte[] bytes = product.storage().read(object);
            assertEquals(file.path("bytes").asLong(), bytes.length, () -> object + " size");
            assertEquals(file.path("sha256").asText(), sha256(bytes), () -> object + " sha256");
        }
        String modelSha = files.get(modelFile).path("sha256").asText();
        assertTrue(sha256s(task.path("result")).contains(modelSha), "the API's result carries the model's sha256");

        Path local = product.dir().resolve(job.path("id").asText() + "-" + ftype + ".gguf");
        product.storage().download(prefix.resolve(modelFile), local);
        try (GgufFile gguf = GgufFile.open(local)) {
            long fileType = gguf.get("general.file_type").map(GgufValue::asLong).orElseThrow();
            assertEquals(ftype.id(), fileType, () -> modelFile + " general.file_type");
            assertFalse(gguf.tensorInfos().isEmpty(), "tensors");
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static Set<String> profiles(JsonNode job) {
        Set<String> profiles = new HashSet<>();
        job.path("tasks").forEach(t -> profiles.add(t.path("profile").asText()));
        return profiles;
    }

    private static Set<String> sha256s(JsonNode result) {
        Set<String> shas = new HashSet<>();
        result.path("files").forEach(f -> shas.add(f.path("sha256").asText()));
        return shas;
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
