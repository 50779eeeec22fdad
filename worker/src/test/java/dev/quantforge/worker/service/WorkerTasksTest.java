package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.plan.TensorTypeOverride;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One worker against the real Kafka and S3: tasks published as the API publishes them, results read back
 * from S3 the way a user would.
 */
class WorkerTasksTest {
    static final Path STORIES = Path.of(System.getProperty("quantforge.root", "..")).resolve("models/stories260K-hf");
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    static TestBed bed;
    static String storiesUri;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        storiesUri = bed.uploadDir(STORIES, bed.run + "/models/stories260K");
        bed.startWorker("w1", Map.of());
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void hfCheckpointBecomesAVariantWithModelCardAndManifest(@TempDir Path tmp) throws Exception {
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q4_K_M"));
        bed.publish(task);

        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        assertEquals(TaskEvent.Type.STARTED, events.get(0).type(), "first event");
        TaskEvent last = events.get(events.size() - 1);
        assertEquals(TaskEvent.Type.SUCCEEDED, last.type(), () -> "last event: " + last);
        List<TaskEvent> middle = events.subList(1, events.size() - 1);
        assertTrue(middle.stream().allMatch(e -> e.type() == TaskEvent.Type.PROGRESS), "only PROGRESS between: " + events);
        List<Integer> percents = middle.stream().map(TaskEvent::progress).toList();
        assertEquals(percents.stream().sorted().toList(), percents, "progress never goes back");
        assertEquals(events.size(), events.stream().map(TaskEvent::eventId).distinct().count(), "every event has its own id");

        TaskEvent.VariantResult result = last.result();
        String prefix = task.resultsPrefix();
        String modelUri = prefix + "stories260K-Q4_K_M.gguf";
        assertEquals(prefix + "manifest.json", result.manifestUri());
        assertEquals(Set.of(modelUri, prefix + "benchmark.json", prefix + "README.md", prefix + "manifest.json"),
                result.files().stream().map(StoredFile::uri).filter(u -> !u.startsWith(prefix + "ollama/") && !u.startsWith(prefix + "deploy/"))
                        .collect(Collectors.toSet()));
        // what serving it takes (docs/design.md "Deployment bundle")
        for (String file : List.of("Dockerfile", "compose.yaml", "kubernetes.yaml", "README.md")) {
            assertTrue(result.files().stream().anyMatch(f -> f.uri().equals(prefix + "deploy/" + file)), "deploy/" + file);
        }
        // and Ollama's store layout of the GGUF beside it: model, config, manifest, Modelfile
        Set<String> ollama = result.files().stream().map(StoredFile::uri).filter(u -> u.startsWith(prefix + "ollama/"))
                .map(u -> u.substring(prefix.length())).collect(Collectors.toSet());
        assertTrue(ollama.contains("ollama/manifests/registry.ollama.ai/library/stories260K/Q4_K_M"), ollama.toString());
        assertTrue(ollama.contains("ollama/Modelfile"), ollama.toString());
        assertEquals(2, ollama.stream().filter(u -> u.startsWith("ollama/blobs/sha256-")).count(), ollama.toString());
        for (StoredFile file : result.files()) {
            byte[] bytes = bed.get(file.uri());
            assertEquals(file.bytes(), bytes.length, "size of " + file.uri());
            assertEquals(Sha256.of(bytes), file.sha256(), "sha256 of " + file.uri());
        }

        JsonNode manifest = MessageCodec.json().readTree(bed.get(result.manifestUri()));
        assertEquals(EngineVersion.get(), manifest.get("engineVersion").asText());
        // the commit git says is checked out, not a fallback: the worker's engine names its build
        assertEquals(gitHead(), manifest.get("engineCommit").asText().replace("-dirty", ""));
        assertEquals(storiesUri, manifest.at("/source/uri").asText());
        // lineage: every source object read, with the store's ETag and the SHA-256 of its bytes
        assertFalse(result.sourceObjects().isEmpty(), "source objects recorded");
        assertTrue(result.sourceObjects().stream().anyMatch(o -> o.uri().endsWith(".safetensors")), result::toString);
        for (TaskEvent.SourceObject object : result.sourceObjects()) {
            assertSourceObject(object);
        }
        assertEquals(result.sourceObjects(), MessageCodec.json().convertValue(manifest.at("/source/objects"),
                new com.fasterxml.jackson.core.type.TypeReference<List<TaskEvent.SourceObject>>() { }));
        assertEquals(List.of(), result.ociReferences(), "pushed nowhere");
        assertEquals("Q4_K_M", manifest.at("/recipe/ftype").asText());
        assertEquals(task.taskId().toString(), manifest.get("taskId").asText());
        assertTrue(manifest.at("/timings/totalMillis").asLong() > 0, "total time recorded");
        for (JsonNode file : manifest.get("files")) {
            byte[] bytes = bed.get(file.get("uri").asText());
            assertEquals(Sha256.of(bytes), file.get("sha256").asText(), "manifest's sha256 of " + file.get("name"));
            assertEquals(bytes.length, file.get("bytes").asLong());
        }

        QuantizationPlan expected = plan(LlamaFileType.Q4_K_M, QuantizeOptions.defaults());
        Path gguf = tmp.resolve("variant.gguf");
        Files.write(gguf, bed.get(modelUri));
        try (GgufFile file = GgufFile.open(gguf)) {
            assertEquals(expected.tensors().size(), file.tensorInfos().size(), "tensor count");
            for (GgufTensorInfo info : file.tensorInfos()) {
                assertEquals(expected.tensor(info.name()).orElseThrow().targetType(), info.type(), "type of " + info.name());
            }
            assertEquals(LlamaFileType.Q4_K_M.id(), file.get("general.file_type").orElseThrow().asLong());
        }
        assertEquals(expected.bitsPerWeight(), result.bitsPerWeight(), 1e-9, "bits per weight");
        int counted = 0;
        for (var entry : manifest.at("/plan/tensorsByType").properties()) {
            long planned = expected.tensors().stream().filter(t -> t.targetType().ggmlName().equals(entry.getKey())).count();
            assertEquals(planned, entry.getValue().asLong(), "tensors of type " + entry.getKey());
            counted += entry.getValue().asInt();
        }
        assertEquals(expected.tensors().size(), counted);

        String card = new String(bed.get(prefix + "README.md"), StandardCharsets.UTF_8);
        StoredFile model = result.files().stream().filter(f -> f.uri().equals(modelUri)).findFirst().orElseThrow();
        assertTrue(card.contains(model.sha256()), "card names the model's sha256");
        assertTrue(card.contains("llama-cli -m stories260K-Q4_K_M.gguf"), "card says how to run it");
        assertTrue(card.contains(storiesUri), "card names the source");
        for (var entry : manifest.at("/plan/tensorsByType").properties()) {
            assertTrue(card.contains("| " + entry.getKey() + " | " + entry.getValue().asInt() + " |"), "card counts " + entry.getKey());
        }

        assertTrue(scratchIsEmpty(), "scratch directory cleaned");
    }

    @Test
    void recipeOptionsDecideTheTensorTypes(@TempDir Path tmp) throws Exception {
        Recipe recipe = new Recipe("gguf", "Q4_0", false, null, "q8_0", false, List.of("attn_v=q5_1"));
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, recipe);
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);

        QuantizationPlan expected = plan(LlamaFileType.Q4_0, new QuantizeOptions(false, null, GgmlType.Q8_0, false,
                List.of(TensorTypeOverride.parse("attn_v=q5_1")), Set.of()));
        Path gguf = tmp.resolve("variant.gguf");
        Files.write(gguf, bed.get(task.resultsPrefix() + "stories260K-" + recipe.variantName() + ".gguf"));
        try (GgufFile file = GgufFile.open(gguf)) {
            for (PlannedTensor planned : expected.tensors()) {
                assertEquals(planned.targetType(), file.tensorInfo(planned.name()).orElseThrow().type(), planned.name());
            }
            assertEquals(GgmlType.Q8_0, file.tensorInfo("token_embd.weight").orElseThrow().type());
            assertEquals(GgmlType.Q5_1, file.tensorInfo("blk.0.attn_v.weight").orElseThrow().type());
        }
    }

    @Test
    void truncatedSafetensorsFailsWithAReasonNamingTheFile(@TempDir Path tmp) throws Exception {
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        try (var files = Files.list(STORIES)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, broken.resolve(f.getFileName()));
            }
        }
        byte[] weights = Files.readAllBytes(STORIES.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));
        String source = bed.uploadDir(broken, bed.run + "/models/broken");
        TaskMessage task = bed.task(UUID.randomUUID(), "broken", source, SourceFormat.HF, Recipe.gguf("Q4_K_M"));
        bed.publish(task);

        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent end = last(events);
        assertEquals(TaskEvent.Type.FAILED, end.type(), () -> "end: " + end);
        String reason = end.reason();
        assertTrue(reason.contains(source + "model.safetensors"), () -> "reason names the object: " + reason);
        assertFalse(reason.contains("\n") || reason.contains("Exception") || reason.contains("\tat "), () -> "one plain line: " + reason);
        assertFalse(reason.contains(bed.scratchDir(0).toString()), () -> "no local path: " + reason);
        assertFalse(bed.exists(task.resultsPrefix() + "manifest.json"), "no manifest for a failed task");
        assertTrue(scratchIsEmpty(), "scratch directory cleaned after a failure");
    }

    @Test
    void shardedCheckpointGivesTheSameVariantAsTheSingleFile() {
        String sharded = bed.uploadDir(STORIES.resolve("model-sharded"), bed.run + "/models/stories260K-sharded");
        UUID job = UUID.randomUUID();
        TaskMessage fromShards = bed.task(job, "stories260K", sharded, SourceFormat.HF, Recipe.gguf("Q8_0"));
        TaskMessage fromOneFile = new TaskMessage(UUID.randomUUID(), job, "stories260K", storiesUri, SourceFormat.HF, "Q8_0-single",
                Recipe.gguf("Q8_0"), null, fromShards.resultsPrefix().replace("/Q8_0/", "/Q8_0-single/"), null, null);
        bed.publish(fromShards);
        bed.publish(fromOneFile);
        TaskEvent a = last(bed.awaitEnd(fromShards.taskId(), TIMEOUT));
        TaskEvent b = last(bed.awaitEnd(fromOneFile.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, a.type(), () -> "sharded: " + a);
        assertEquals(TaskEvent.Type.SUCCEEDED, b.type(), () -> "single file: " + b);
        assertEquals(modelFile(a).sha256(), modelFile(b).sha256(), "same bytes from both layouts");
    }

    private static StoredFile modelFile(TaskEvent end) {
        return end.result().files().stream().filter(f -> f.uri().endsWith(".gguf")).findFirst().orElseThrow();
    }

    @Test
    void missingSourceFails() {
        String source = "s3://" + TestBed.BUCKET + "/" + bed.run + "/models/nothing-here/";
        TaskMessage task = bed.task(UUID.randomUUID(), "nothing", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.FAILED, end.type());
        assertTrue(end.reason().startsWith(source + ": no objects under this prefix"), end.reason());
    }

    @Test
    void redeliveredTaskReportsTheSameResultWithoutBuildingAgain() {
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task);
        TaskEvent first = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, first.type(), () -> "first delivery: " + first);
        byte[] manifest = bed.get(first.result().manifestUri());

        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnds(task.taskId(), 2, TIMEOUT);
        TaskEvent second = last(events);
        assertEquals(TaskEvent.Type.SUCCEEDED, second.type(), () -> "second delivery: " + second);
        assertEquals(first.result(), second.result(), "same keys, sizes and hashes");
        assertTrue(Arrays.equals(manifest, bed.get(second.result().manifestUri())), "manifest not written again");
        assertEquals(first.eventId(), second.eventId(), "the same outcome under the same id: the API applies it once");
    }

    @Test
    void taskOfACancelledJobIsSkipped() {
        UUID job = UUID.randomUUID();
        bed.cancel(job);
        TaskMessage task = bed.task(job, "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        assertEquals(List.of(TaskEvent.Type.CANCELLED), events.stream().map(TaskEvent::type).toList());
        assertFalse(bed.exists(task.resultsPrefix() + "manifest.json"));
    }

    @Test
    void unreadableRecordDoesNotBlockItsPartition() {
        bed.publishRaw(2, "garbage", "{\"taskId\": 42".getBytes(StandardCharsets.UTF_8));
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", storiesUri, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task, 2);
        assertEquals(TaskEvent.Type.SUCCEEDED, last(bed.awaitEnd(task.taskId(), TIMEOUT)).type());
    }

    @Test
    void ggufSourceIsQuantizedFromItsOneObject(@TempDir Path tmp) throws Exception {
        Path f32 = tmp.resolve("stories260K-f32.gguf");
        HfConverter.convert(STORIES, f32, OutputType.F32);
        String source = bed.upload(f32, bed.run + "/models/gguf/stories260K-f32.gguf");
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K-f32", source, SourceFormat.GGUF, Recipe.gguf("Q4_0"));
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        assertEquals(1, end.result().sourceObjects().size(), end::toString);
        TaskEvent.SourceObject read = end.result().sourceObjects().get(0);
        assertEquals(source, read.uri());
        assertEquals(Files.size(f32), read.bytes());
        assertEquals(Sha256.of(f32), read.sha256(), "the sha256 of the file uploaded");
        assertSourceObject(read);

        QuantizationPlan expected = plan(LlamaFileType.Q4_0, QuantizeOptions.defaults());
        Path gguf = tmp.resolve("variant.gguf");
        Files.write(gguf, bed.get(task.resultsPrefix() + "stories260K-f32-Q4_0.gguf"));
        try (GgufFile file = GgufFile.open(gguf)) {
            for (PlannedTensor planned : expected.tensors()) {
                assertEquals(planned.targetType(), file.tensorInfo(planned.name()).orElseThrow().type(), planned.name());
            }
        }
    }

    /** The object's ETag is the store's (asked here, not by the worker's code) and its sha256 that of its bytes. */
    private void assertSourceObject(TaskEvent.SourceObject object) throws Exception {
        S3Uri uri = S3Uri.parse(object.uri());
        String etag = bed.s3.statObject(io.minio.StatObjectArgs.builder().bucket(uri.bucket()).object(uri.key()).build())
                .etag().replace("\"", "");
        assertFalse(etag.isEmpty(), object.uri());
        assertEquals(etag, object.etag(), "ETag of " + object.uri());
        byte[] bytes = bed.get(object.uri());
        assertEquals(bytes.length, object.bytes(), "size of " + object.uri());
        assertEquals(Sha256.of(bytes), object.sha256(), "sha256 of " + object.uri());
    }

    static QuantizationPlan plan(LlamaFileType type, QuantizeOptions options) {
        try (HfModelSource model = HfModelSource.open(STORIES, OutputType.F32)) {
            List<TensorDescriptor> tensors = model.tensors().stream().map(TensorDescriptor::of).toList();
            return new QuantizationPlanner().plan(tensors, model.metadata(), type, options);
        }
    }

    static String gitHead() throws Exception {
        Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        String out = new String(git.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, git.waitFor(), out);
        return out;
    }

    static TaskEvent last(List<TaskEvent> events) {
        TaskEvent last = events.get(events.size() - 1);
        assertNotNull(last);
        return last;
    }

    static boolean scratchIsEmpty() throws Exception {
        try (var entries = Files.list(bed.scratchDir(0))) {
            return entries.findAny().isEmpty();
        }
    }
}
