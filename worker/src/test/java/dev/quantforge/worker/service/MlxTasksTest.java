package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.MlxRecipes;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.mlx.DequantizedMlx;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.publish.Sha256;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.quantforge.worker.service.BenchmarkTasksTest.TIMEOUT;
import static dev.quantforge.worker.service.WorkerTasksTest.STORIES;
import static dev.quantforge.worker.service.WorkerTasksTest.last;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLX variants of stories260K built by the worker on the real Kafka, S3 and llama.cpp: the directory uploaded file by
 * file (each in the manifest with size and SHA-256), benchmarked on its dequantized weights, judged by the
 * apple-silicon profile's gates, a card that says how to run it with mlx-lm.
 */
class MlxTasksTest {
    static TestBed bed;
    static String storiesUri;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        storiesUri = bed.uploadDir(STORIES, bed.run + "/models/stories260K-mlx");
        bed.startWorker("mlx", Map.of());
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void anAppleSiliconVariantIsADirectoryUploadedFileByFileAndMeasuredOnItsDequantizedWeights() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("apple-silicon").orElseThrow();
        assertEquals(MlxRecipes.recipe("affine", 4, 64, null, null, null), profile.recipe());
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, profile.recipe(), null,
                profile.gates());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);

        String prefix = task.resultsPrefix();
        String dir = prefix + "stories260K-4bit/";
        Set<String> uris = end.result().files().stream().map(StoredFile::uri).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(Set.of(dir + "model.safetensors", dir + "model.safetensors.index.json",
                dir + "config.json", dir + "tokenizer.model", dir + "tokenizer_config.json", dir + "special_tokens_map.json",
                dir + "generation_config.json", prefix + "benchmark.json", prefix + "README.md", prefix + "manifest.json",
                // what serving it takes: mlx_lm.server (docs/design.md "Deployment bundle")
                prefix + "deploy/Dockerfile", prefix + "deploy/compose.yaml", prefix + "deploy/kubernetes.yaml",
                prefix + "deploy/README.md"));
        assertEquals(expected, uris);
        for (StoredFile file : end.result().files()) {
            byte[] bytes = bed.get(file.uri());
            assertEquals(file.bytes(), bytes.length, file.uri());
            assertEquals(file.sha256(), Sha256.of(bytes), "sha256 of " + file.uri());
        }

        JsonNode manifest = MessageCodec.json().readTree(bed.get(end.result().manifestUri()));
        assertEquals("stories260K-4bit", manifest.get("modelFile").asText());
        long modelBytes = 0;
        for (JsonNode f : manifest.get("files")) {
            assertTrue(f.get("sha256").asText().matches("[0-9a-f]{64}"), f.toString());
            if (f.get("name").asText().startsWith("stories260K-4bit/")) {
                modelBytes += f.get("bytes").asLong();
            }
        }
        assertEquals(7, manifest.get("files").size() - 2 - 4,
                "every file of the directory, then benchmark.json, the deploy/ bundle's 4 files and README.md");
        assertEquals(modelBytes, end.result().modelBytes(), "the model's size is its directory's");
        assertEquals("4bit", manifest.at("/plan/fileType").asText());

        // the directory downloaded back is an MLX model the dequantizer reads
        Path local = Files.createDirectories(tmp.resolve("stories260K-4bit"));
        for (JsonNode f : manifest.get("files")) {
            String name = f.get("name").asText();
            if (name.startsWith("stories260K-4bit/")) {
                Files.write(local.resolve(name.substring("stories260K-4bit/".length())), bed.get(f.get("uri").asText()));
            }
        }
        try (DequantizedMlx mlx = DequantizedMlx.open(local)) {
            assertEquals(31, mlx.quantizedWeights().size());
        }

        BenchmarkSummary figures = end.result().benchmark();
        assertNotNull(figures);
        assertTrue(figures.meanKld() > 0 && figures.meanKld() < profile.gates().maxMeanKld(), figures.toString());
        assertNull(figures.promptTokensPerSecond(), "no speed without Apple Silicon");
        assertNull(figures.generationTokensPerSecond());
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(prefix + "benchmark.json"));
        assertNull(report.speed());
        assertEquals("not measured here (needs Apple Silicon)", report.runtime().speedNote());
        assertEquals("4bit", report.variant().fileType());
        assertEquals(figures, report.summary());

        String card = new String(bed.get(prefix + "README.md"), StandardCharsets.UTF_8);
        assertTrue(card.startsWith("# stories260K — 4bit (MLX)"), card);
        assertTrue(card.contains("mlx_lm.generate --model stories260K-4bit"), card);
        assertTrue(card.contains("not measured here (needs Apple Silicon)"), card);
        assertTrue(card.contains("dequantized to F32"), card);

        // redelivered: the complete manifest is found, nothing is built or written again
        byte[] manifestBytes = bed.get(end.result().manifestUri());
        bed.publish(task);
        TaskEvent again = last(bed.awaitEnds(task.taskId(), 2, TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, again.type(), () -> "second delivery: " + again);
        assertEquals(end.result(), again.result());
        assertTrue(Arrays.equals(manifestBytes, bed.get(end.result().manifestUri())));
    }

    @Test
    void theSmallProfileBuildsMlxLmsMixedRecipeAndItsGatesRejectStories260Ks() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("apple-silicon-small").orElseThrow();
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, profile.recipe(), null,
                profile.gates());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        // 3 bits on stories260K's tied 64-wide embedding (its output head too) nearly doubles its perplexity
        assertEquals(TaskEvent.Type.REJECTED, end.type(), () -> "end: " + end);
        assertTrue(end.reason().startsWith("quality gates failed: mean KLD "), end.reason());
        String rejected = task.resultsPrefix().replace("/mixed_3_6/", "/rejected/mixed_3_6/");
        assertEquals(rejected + "manifest.json", end.result().manifestUri());
        JsonNode config = MessageCodec.json().readTree(bed.get(rejected + "stories260K-mixed_3_6/config.json"));
        // mlx-lm's rule on 5 layers: v_proj of layers 2 and 4 get the high bits, the others the low
        assertEquals(6, config.at("/quantization/model.layers.4.self_attn.v_proj/bits").asInt(), config.toString());
        assertEquals(3, config.at("/quantization/model.layers.0.self_attn.v_proj/bits").asInt(), config.toString());
        assertEquals("mixed_3_6", BenchmarkReport.fromJson(bed.get(rejected + "benchmark.json")).variant().fileType());
        for (StoredFile file : end.result().files()) {
            assertTrue(file.uri().startsWith(rejected), file.uri());
        }
    }
}
