package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.publish.Sha256;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.quantforge.worker.service.BenchmarkTasksTest.TIMEOUT;
import static dev.quantforge.worker.service.WorkerTasksTest.last;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ONNX model source (langchain4j's all-MiniLM-L6-v2 fp32, uploaded to S3 with its tokenizer.json beside it) built by
 * the worker on the real Kafka and S3 with the cpu-onnx-int8-dynamic profile: downloaded, quantized through the
 * engine's door, benchmarked on ONNX Runtime against the source model's outputs, judged by the profile's output
 * agreement gate and published with its benchmark.json and manifest.
 */
class OnnxModelTasksTest {
    static TestBed bed;
    static String modelUri;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        bed = new TestBed();
        Path model = dir.resolve("model.onnx");
        Path tokenizer = dir.resolve("tokenizer.json");
        copy("all-minilm-l6-v2.onnx", model);
        copy("all-minilm-l6-v2-tokenizer.json", tokenizer);
        modelUri = bed.upload(model, bed.run + "/models/minilm/model.onnx");
        bed.upload(tokenizer, bed.run + "/models/minilm/tokenizer.json");
        bed.startWorker("onnx-model", Map.of());
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = OnnxModelTasksTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (langchain4j embedding jar)");
            }
            Files.copy(in, target);
        }
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void theCpuOnnxInt8DynamicProfileQuantizesAnOnnxModelSourceAndGatesItOnOutputAgreement() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("cpu-onnx-int8-dynamic").orElseThrow();
        TaskMessage plain = bed.task(UUID.randomUUID(), "minilm", modelUri, SourceFormat.ONNX, profile.recipe(), null,
                profile.gates());
        TaskMessage task = new TaskMessage(plain.taskId(), plain.jobId(), plain.modelName(), plain.source(),
                plain.sourceFormat(), plain.variant(), plain.recipe(), profile.name(), plain.resultsPrefix(), null, plain.gates());
        assertEquals("onnx-int8-dynamic-pc-rr", task.variant());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);

        String prefix = task.resultsPrefix();
        Set<String> uris = end.result().files().stream().map(StoredFile::uri).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(uris.contains(prefix + "minilm-onnx-int8-dynamic-pc-rr.onnx"), uris.toString());
        assertTrue(uris.contains(prefix + "benchmark.json"), uris.toString());
        assertTrue(uris.contains(prefix + "manifest.json"), uris.toString());
        for (StoredFile file : end.result().files()) {
            byte[] bytes = bed.get(file.uri());
            assertEquals(file.bytes(), bytes.length, file.uri());
            assertEquals(file.sha256(), Sha256.of(bytes), "sha256 of " + file.uri());
        }

        BenchmarkSummary figures = end.result().benchmark();
        assertNotNull(figures);
        assertNotNull(figures.meanOutputCosine());
        assertTrue(figures.meanOutputCosine() >= profile.gates().minMeanOutputCosine(), figures.toString());
        assertNull(figures.meanKld());
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(prefix + "benchmark.json"));
        assertEquals("int8-dynamic-per-channel-reduce-range", report.variant().fileType());
        assertEquals("32 sentences (bundled), tokenized with tokenizer.json", report.agreement().inputs());
        assertNotNull(report.latency());
        assertEquals(figures, report.summary());
        System.out.println("[onnxq2] worker cpu-onnx-int8-dynamic: " + figures);

        String card = new String(bed.get(prefix + "README.md"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(card.startsWith("# minilm — onnx-int8-dynamic-pc-rr (ONNX model)"), card);
        assertTrue(card.contains(String.format(java.util.Locale.ROOT, "%.5f", figures.meanOutputCosine())), card);
        assertTrue(card.contains("ort.InferenceSession(\"minilm-onnx-int8-dynamic-pc-rr.onnx\")"), card);
        JsonNode manifest = MessageCodec.json().readTree(bed.get(end.result().manifestUri()));
        assertEquals("onnx-model", manifest.at("/recipe/format").asText());
        assertEquals("int8-dynamic", manifest.at("/recipe/ftype").asText());
        assertEquals("ONNX", manifest.at("/source/format").asText());
        assertEquals(figures, MessageCodec.json().treeToValue(manifest.get("benchmarkSummary"), BenchmarkSummary.class));
    }

    @Test
    void aPrefixSourceMeansItsModelOnnxAndNpuQdqInt8PassesItsGate() throws Exception {
        HardwareProfile profile = HardwareProfiles.builtIn().find("npu-qdq-int8").orElseThrow();
        String prefix = modelUri.substring(0, modelUri.lastIndexOf('/') + 1);
        TaskMessage task = bed.task(UUID.randomUUID(), "minilm", prefix, SourceFormat.ONNX, profile.recipe(), null,
                profile.gates());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(task.resultsPrefix() + "benchmark.json"));
        assertEquals("int8-static-qdq-minmax", report.variant().fileType());
        assertTrue(report.agreement().meanCosineSimilarity() >= profile.gates().minMeanOutputCosine(),
                report.agreement().toString());
        System.out.println("[onnxq2] worker npu-qdq-int8 from a prefix: " + end.result().benchmark());
    }

    @Test
    void aGgufRecipeOnAnOnnxSourceFailsWithOneLine() {
        HardwareProfile gguf = HardwareProfiles.builtIn().find("cpu-x86-avx2").orElseThrow();
        TaskMessage task = bed.task(UUID.randomUUID(), "minilm", modelUri, SourceFormat.ONNX, gguf.recipe(), null, gguf.gates());
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.FAILED, end.type(), () -> "end: " + end);
        assertTrue(end.reason() != null && !end.reason().contains("\n"), end.reason());
        System.out.println("[onnxq2] gguf recipe on an onnx source: " + end.reason());
    }
}
