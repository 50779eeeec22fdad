package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.OnnxRecipes;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.engine.onnx.OnnxDecoder;
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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ONNX variant of stories260K built by the worker on the real Kafka, S3 and ONNX Runtime: the cpu-onnx-int8
 * profile's directory uploaded file by file (each in the manifest with size and SHA-256), benchmarked on ONNX Runtime
 * against the same cached reference as GGUF variants, judged by the profile's gates, a card that says how to run it
 * with ONNX Runtime and onnxruntime-genai; the directory downloaded back runs on ONNX Runtime. The gpu-onnx-int4
 * profile's variant has float16 activations, and its figures and card say they come from the CPU execution provider.
 */
class OnnxTasksTest {
    static TestBed bed;
    static String storiesUri;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        storiesUri = bed.uploadDir(STORIES, bed.run + "/models/stories260K-onnx");
        bed.startWorker("onnx", Map.of());
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void theCpuOnnxInt8ProfileIsADirectoryUploadedFileByFileAndMeasuredOnOnnxRuntime() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("cpu-onnx-int8").orElseThrow();
        assertEquals(OnnxRecipes.recipe("int8", null, null, null, null), profile.recipe());
        TaskMessage plain = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, profile.recipe(), null,
                profile.gates());
        // as the API sends a profile's task: with the profile's name
        TaskMessage task = new TaskMessage(plain.taskId(), plain.jobId(), plain.modelName(), plain.source(),
                plain.sourceFormat(), plain.variant(), plain.recipe(), profile.name(), plain.resultsPrefix(), null, plain.gates());
        assertEquals("onnx-int8", task.variant());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);

        String prefix = task.resultsPrefix();
        String dir = prefix + "stories260K-onnx-int8/";
        Set<String> uris = end.result().files().stream().map(StoredFile::uri).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(Set.of(dir + "model.onnx", dir + "model.onnx.data", dir + "genai_config.json",
                dir + "config.json", dir + "generation_config.json", dir + "tokenizer.model", dir + "tokenizer_config.json",
                dir + "special_tokens_map.json", dir + "README.md",
                prefix + "benchmark.json", prefix + "README.md", prefix + "manifest.json",
                prefix + "deploy/Dockerfile", prefix + "deploy/serve.py", prefix + "deploy/compose.yaml",
                prefix + "deploy/kubernetes.yaml", prefix + "deploy/README.md"));
        assertEquals(expected, uris, "every file of the directory and the deploy/ bundle, no Ollama layout (not a GGUF)");
        for (StoredFile file : end.result().files()) {
            byte[] bytes = bed.get(file.uri());
            assertEquals(file.bytes(), bytes.length, file.uri());
            assertEquals(file.sha256(), Sha256.of(bytes), "sha256 of " + file.uri());
        }

        JsonNode manifest = MessageCodec.json().readTree(bed.get(end.result().manifestUri()));
        assertEquals("stories260K-onnx-int8", manifest.get("modelFile").asText());
        long modelBytes = 0;
        for (JsonNode f : manifest.get("files")) {
            assertTrue(f.get("sha256").asText().matches("[0-9a-f]{64}"), f.toString());
            assertTrue(f.get("bytes").asLong() > 0, f.toString());
            if (f.get("name").asText().startsWith("stories260K-onnx-int8/")) {
                modelBytes += f.get("bytes").asLong();
            }
        }
        assertEquals(9, manifest.get("files").size() - 2 - 5,
                "every file of the directory, then benchmark.json, the deploy/ bundle's 5 files and README.md");
        assertEquals(modelBytes, end.result().modelBytes(), "the model's size is its directory's");
        assertEquals("onnx-int8", manifest.at("/plan/fileType").asText());
        assertEquals("onnx", manifest.at("/recipe/format").asText());
        assertEquals("int8", manifest.at("/recipe/ftype").asText());
        assertEquals("cpu-onnx-int8", manifest.get("profile").asText());

        // the benchmark ran on ONNX Runtime against the source's reference, with speed
        BenchmarkSummary figures = end.result().benchmark();
        assertNotNull(figures);
        assertTrue(figures.meanKld() > 0 && figures.meanKld() < profile.gates().maxMeanKld(), figures.toString());
        assertTrue(figures.promptTokensPerSecond() > 0 && figures.generationTokensPerSecond() > 0, figures.toString());
        assertTrue(figures.runtime().matches("onnxruntime \\d+\\.\\d+\\.\\d+ \\(CPU execution provider\\)"), figures.runtime());
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(prefix + "benchmark.json"));
        assertTrue(report.runtime().name().startsWith("onnxruntime "), report.runtime().name());
        assertNotNull(report.speed());
        assertEquals(figures, report.summary());
        assertEquals(figures, MessageCodec.json().treeToValue(manifest.get("benchmarkSummary"), BenchmarkSummary.class));

        String card = new String(bed.get(prefix + "README.md"), StandardCharsets.UTF_8);
        assertTrue(card.startsWith("# stories260K — onnx-int8 (ONNX)"), card);
        assertTrue(card.contains("og.Model(\"stories260K-onnx-int8\")"), card);
        assertTrue(card.contains("ort.InferenceSession(\"stories260K-onnx-int8/model.onnx\""), card);
        assertTrue(card.contains("Measured on " + report.runtime().name() + " with the CPU execution provider"), card);
        assertTrue(card.contains("onnxruntime-genai itself and the GPU execution providers (CUDA, DirectML) are untested"), card);
        assertTrue(card.contains("for the hardware profile `cpu-onnx-int8`"), card);
        assertTrue(card.contains("| precision | int8 (weight-only, per output channel, symmetric; float32 activations) |"), card);

        // the directory downloaded back runs on ONNX Runtime
        Path local = Files.createDirectories(tmp.resolve("stories260K-onnx-int8"));
        for (JsonNode f : manifest.get("files")) {
            String name = f.get("name").asText();
            if (name.startsWith("stories260K-onnx-int8/")) {
                Files.write(local.resolve(name.substring("stories260K-onnx-int8/".length())), bed.get(f.get("uri").asText()));
            }
        }
        try (OnnxDecoder decoder = OnnxDecoder.load(local, new OnnxDecoder.Options(1, 64))) {
            assertEquals(512, decoder.vocabularySize());
            float[][] logits = decoder.logits(new int[]{1, 403, 407});
            assertEquals(3, logits.length);
            assertTrue(Float.isFinite(logits[2][0]));
        }

        // redelivered: the complete manifest is found, nothing is built or written again
        byte[] manifestBytes = bed.get(end.result().manifestUri());
        bed.publish(task);
        TaskEvent again = last(bed.awaitEnds(task.taskId(), 2, TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, again.type(), () -> "second delivery: " + again);
        assertEquals(end.result(), again.result());
        assertArrayEquals(manifestBytes, bed.get(end.result().manifestUri()));
        assertTrue(Arrays.equals(manifestBytes, bed.get(end.result().manifestUri())));
    }

    @Test
    void theGpuOnnxInt4ProfileHasFloat16ActivationsAndSaysItRanOnTheCpuProvider() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("gpu-onnx-int4").orElseThrow();
        assertEquals(OnnxRecipes.recipe("int4", 128, null, null, null, "fp16"), profile.recipe());
        TaskMessage plain = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, profile.recipe(), null,
                profile.gates());
        TaskMessage task = new TaskMessage(plain.taskId(), plain.jobId(), plain.modelName(), plain.source(),
                plain.sourceFormat(), plain.variant(), plain.recipe(), profile.name(), plain.resultsPrefix(), null, plain.gates());
        assertEquals("onnx-int4-b128-fp16act", task.variant());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);

        BenchmarkSummary figures = end.result().benchmark();
        assertNotNull(figures);
        assertTrue(figures.meanKld() > 0 && figures.meanKld() < profile.gates().maxMeanKld(), figures.toString());
        assertTrue(figures.runtime().matches(
                "onnxruntime \\d+\\.\\d+\\.\\d+ \\(CPU execution provider; the profile targets GPU\\)"), figures.runtime());
        String prefix = task.resultsPrefix();
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(prefix + "benchmark.json"));
        assertEquals("int4-b128-asym-fp16act", report.variant().fileType());
        String card = new String(bed.get(prefix + "README.md"), StandardCharsets.UTF_8);
        assertTrue(card.contains("| precision | int4 (MatMulNBits, blocks of 128, asymmetric, accuracy_level 0; float16 scales"
                + " and activations) |"), card);
        assertTrue(card.contains("([batch, kv_heads, 0, head_dim], float16) for the first step"), card);
        assertTrue(card.contains("The profile `gpu-onnx-int4` is meant for a GPU, but these figures are the CPU execution"
                + " provider's: no GPU was used here."), card);
        // the uploaded graph's KV cache and logits are float16
        Path local = Files.createDirectories(tmp.resolve("stories260K-onnx-int4-b128-fp16act"));
        String dir = prefix + "stories260K-onnx-int4-b128-fp16act/";
        for (StoredFile f : end.result().files()) {
            if (f.uri().startsWith(dir)) {
                Files.write(local.resolve(f.uri().substring(dir.length())), bed.get(f.uri()));
            }
        }
        try (OnnxDecoder decoder = OnnxDecoder.load(local, new OnnxDecoder.Options(1, 64))) {
            assertTrue(decoder.isHalf());
            assertTrue(Float.isFinite(decoder.logits(new int[]{1, 403, 407})[2][0]));
        }
    }
}
