package dev.quantforge.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.QualityGates;
import dev.quantforge.engine.bench.BenchmarkReport;
import dev.quantforge.worker.bench.EvaluationText;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.publish.Sha256;
import dev.quantforge.worker.testing.TestBed;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.quantforge.worker.service.WorkerTasksTest.STORIES;
import static dev.quantforge.worker.service.WorkerTasksTest.last;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark stage on stories260K against the real Kafka, S3 and llama.cpp: figures in the event, the
 * manifest, {@code benchmark.json} and the card; quality gates; the reference cache beside the source; a
 * job's own evaluation text.
 */
class BenchmarkTasksTest {
    private static final Logger LOG = Logger.getLogger(BenchmarkTasksTest.class);
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final long MAX_EVAL_TEXT = 64 * 1024;

    static TestBed bed;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        bed.startWorker("bench", Map.of("qf.benchmark.max-eval-text-bytes", Long.toString(MAX_EVAL_TEXT)));
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    /** A copy of stories260K of the test's own, so that its reference cache starts empty. */
    private static String freshSource(String name) {
        return bed.uploadDir(STORIES, bed.run + "/models/" + name);
    }

    @Test
    void aBenchmarkedVariantCarriesItsFiguresInTheEventManifestReportAndCard() throws Exception {
        String source = freshSource("figures");
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(task);
        List<TaskEvent> events = bed.awaitEnd(task.taskId(), TIMEOUT);
        TaskEvent end = last(events);
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        List<Integer> percents = events.stream().filter(e -> e.type() == TaskEvent.Type.PROGRESS).map(TaskEvent::progress).toList();
        assertEquals(percents.stream().sorted().toList(), percents, "progress never goes back");

        TaskEvent.VariantResult result = end.result();
        BenchmarkSummary figures = result.benchmark();
        assertNotNull(figures, "benchmark figures in the event");
        assertTrue(result.benchmarkMillis() > 0, "benchmark time in the event");
        assertEquals(result.modelBytes(), figures.modelBytes());
        assertTrue(figures.meanKld() >= 0 && figures.meanKld() < 0.1, "Q8_0 is close to its source: " + figures);
        assertTrue(figures.sameTopPercent() > 50, "Q8_0 mostly picks the source's token: " + figures);
        assertTrue(figures.promptTokensPerSecond() > 0 && figures.generationTokensPerSecond() > 0, "speed: " + figures);
        assertEquals(2, figures.threads(), "the worker's engine threads");

        String prefix = task.resultsPrefix();
        assertEquals(Set.of(prefix + "stories260K-Q8_0.gguf", prefix + "benchmark.json", prefix + "README.md", prefix + "manifest.json"),
                result.files().stream().map(StoredFile::uri).filter(u -> !u.startsWith(prefix + "ollama/") && !u.startsWith(prefix + "deploy/"))
                        .collect(Collectors.toSet()));
        assertTrue(result.files().stream().anyMatch(f -> f.uri().equals(prefix + "ollama/manifests/registry.ollama.ai/library/stories260K/Q8_0")),
                "a passing GGUF variant has its Ollama layout");
        for (StoredFile file : result.files()) {
            assertEquals(file.sha256(), Sha256.of(bed.get(file.uri())), "sha256 of " + file.uri());
        }
        BenchmarkReport report = BenchmarkReport.fromJson(bed.get(prefix + "benchmark.json"));
        assertEquals(figures, report.summary(), "benchmark.json gives the event's figures");

        JsonNode manifest = MessageCodec.json().readTree(bed.get(result.manifestUri()));
        assertEquals(MessageCodec.json().readTree(bed.get(prefix + "benchmark.json")), manifest.get("benchmark"),
                "the manifest carries the full report");
        assertEquals(result.benchmarkMillis(), manifest.at("/timings/benchmarkMillis").asLong());
        assertEquals(EvaluationText.BUNDLED, manifest.at("/benchmarkInputs/evalText").asText());
        assertEquals(EvaluationText.bundled().sha256(), manifest.at("/benchmarkInputs/evalTextSha256").asText());
        assertTrue(manifest.at("/benchmarkInputs/referenceUri").asText().startsWith(source + ".quantforge/reference/"),
                "reference cached beside the source: " + manifest.at("/benchmarkInputs/referenceUri"));
        assertTrue(manifest.get("gateFailures").isEmpty(), "no gate failed");
        JsonNode t = manifest.get("timings");
        LOG.infof("stories260K Q8_0 timings: download %d ms, convert %d ms, quantize %d ms, benchmark %d ms, upload %d ms, total %d ms",
                t.get("downloadMillis").asLong(), t.get("convertMillis").asLong(), t.get("quantizeMillis").asLong(),
                t.get("benchmarkMillis").asLong(), t.get("uploadMillis").asLong(), t.get("totalMillis").asLong());

        String card = new String(bed.get(prefix + "README.md"), StandardCharsets.UTF_8);
        assertTrue(card.contains("| size | bpw | PPL | ΔPPL | mean KLD | same top | pp tokens/s | tg tokens/s | threads |"),
                "card has the benchmark table:\n" + card);
        assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| %.6f |", figures.meanKld())), "card shows the mean KLD");
        assertFalse(card.contains("Rejected"), "an accepted variant is not marked rejected");
    }

    @Test
    void aVariantOverAQualityGateIsRejectedAndStoredUnderRejected() throws Exception {
        String source = freshSource("gated");
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q4_0"), null,
                new QualityGates(0.0, null, null));
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.REJECTED, end.type(), () -> "end: " + end);
        assertTrue(end.reason().startsWith("quality gates failed: mean KLD "), end.reason());
        assertTrue(end.reason().contains("> limit 0"), end.reason());

        String accepted = task.resultsPrefix();
        String rejected = accepted.replace("/" + task.jobId() + "/Q4_0/", "/" + task.jobId() + "/rejected/Q4_0/");
        TaskEvent.VariantResult result = end.result();
        assertNotNull(result.benchmark(), "a rejected variant has its figures");
        assertEquals(rejected + "manifest.json", result.manifestUri());
        assertEquals(Set.of(rejected + "stories260K-Q4_0.gguf", rejected + "benchmark.json", rejected + "README.md",
                rejected + "manifest.json"), result.files().stream().map(StoredFile::uri).collect(Collectors.toSet()));
        for (StoredFile file : result.files()) {
            assertTrue(bed.exists(file.uri()), file.uri());
        }
        assertFalse(bed.exists(accepted + "manifest.json"), "nothing under the accepted prefix");
        assertFalse(bed.exists(accepted + "stories260K-Q4_0.gguf"), "nothing under the accepted prefix");
        String card = new String(bed.get(rejected + "README.md"), StandardCharsets.UTF_8);
        assertTrue(card.contains("**Rejected:**") && card.contains("mean KLD"), "the card says why:\n" + card);
        JsonNode manifest = MessageCodec.json().readTree(bed.get(result.manifestUri()));
        assertTrue(manifest.get("gateFailures").get(0).asText().startsWith("mean KLD"), manifest.get("gateFailures").toString());

        // redelivered: found under rejected/, reported again without building
        byte[] manifestBytes = bed.get(result.manifestUri());
        bed.publish(task);
        TaskEvent again = last(bed.awaitEnds(task.taskId(), 2, TIMEOUT));
        assertEquals(TaskEvent.Type.REJECTED, again.type(), () -> "second delivery: " + again);
        assertEquals(end.reason(), again.reason());
        assertEquals(result, again.result(), "same files and figures");
        assertTrue(java.util.Arrays.equals(manifestBytes, bed.get(result.manifestUri())), "manifest not written again");
    }

    @Test
    void aSecondTaskOnTheSameSourceReusesTheCachedReference() throws Exception {
        String source = freshSource("cached");
        UUID job = UUID.randomUUID();
        TaskMessage first = bed.task(job, "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(first);
        TaskEvent firstEnd = last(bed.awaitEnd(first.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, firstEnd.type(), () -> "first: " + firstEnd);
        JsonNode firstInputs = MessageCodec.json().readTree(bed.get(firstEnd.result().manifestUri())).get("benchmarkInputs");
        assertFalse(firstInputs.get("referenceReused").asBoolean(), "the first task computes the reference");
        String reference = firstInputs.get("referenceUri").asText();
        Instant written = bed.lastModified(reference);

        Thread.sleep(1100); // S3 times have second resolution: a rewrite would show
        TaskMessage second = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q5_0"));
        bed.publish(second);
        TaskEvent secondEnd = last(bed.awaitEnd(second.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, secondEnd.type(), () -> "second: " + secondEnd);
        JsonNode secondInputs = MessageCodec.json().readTree(bed.get(secondEnd.result().manifestUri())).get("benchmarkInputs");
        assertTrue(secondInputs.get("referenceReused").asBoolean(), "the second task reads the cached reference");
        assertEquals(reference, secondInputs.get("referenceUri").asText());
        assertEquals(written, bed.lastModified(reference), "the reference was written once");
        assertEquals(firstEnd.result().benchmark().sourcePerplexity(), secondEnd.result().benchmark().sourcePerplexity(),
                "the same reference");
    }

    @Test
    void aDamagedCachedReferenceIsComputedAgainAndOverwritten() throws Exception {
        String source = freshSource("damaged");
        TaskMessage first = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(first);
        TaskEvent firstEnd = last(bed.awaitEnd(first.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, firstEnd.type(), () -> "first: " + firstEnd);
        String reference = MessageCodec.json().readTree(bed.get(firstEnd.result().manifestUri()))
                .at("/benchmarkInputs/referenceUri").asText();
        byte[] good = bed.get(reference);
        bed.put(reference, "not a reference".getBytes(StandardCharsets.UTF_8));

        TaskMessage second = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
        bed.publish(second);
        TaskEvent secondEnd = last(bed.awaitEnd(second.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, secondEnd.type(), () -> "second: " + secondEnd);
        assertFalse(MessageCodec.json().readTree(bed.get(secondEnd.result().manifestUri()))
                .at("/benchmarkInputs/referenceReused").asBoolean(), "computed again");
        assertTrue(java.util.Arrays.equals(good, bed.get(reference)), "overwritten with the same bytes as the first time");
        BenchmarkSummary a = firstEnd.result().benchmark();
        BenchmarkSummary b = secondEnd.result().benchmark();
        assertEquals(a.sourcePerplexity(), b.sourcePerplexity(), "same source perplexity");
        assertEquals(a.meanKld(), b.meanKld(), "same KLD");
    }

    @Test
    void aVariantLlamaCppCannotLoadFailsTheTaskWithAPlainReason() {
        // MXFP4 (ggml type 39) came to llama.cpp after the bundled build: the engine writes it, llama.cpp refuses it
        Recipe recipe = new Recipe("gguf", "Q8_0", false, null, null, false, List.of("attn_q=mxfp4"));
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", freshSource("unloadable"), SourceFormat.HF, recipe);
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.FAILED, end.type(), () -> "end: " + end);
        String reason = end.reason();
        assertTrue(reason.startsWith("variant stories260K-" + recipe.variantName() + ".gguf does not run on llama.cpp: "), reason);
        assertFalse(reason.contains("\n") || reason.contains("Exception") || reason.contains("/tmp/") || reason.contains("<scratch>"),
                () -> "one plain line without local paths: " + reason);
        assertFalse(bed.exists(task.resultsPrefix() + "manifest.json"), "nothing published");
    }

    @Test
    void aJobsOwnEvaluationTextIsUsed() throws Exception {
        String source = freshSource("own-text");
        String text = "Once upon a time there was a small robot who liked to count the stars.\n\n"
                + "Every night the robot climbed the hill and counted, and every morning it forgot the number.\n\n"
                + "One day a girl gave the robot a notebook, and the robot wrote the number down.\n";
        String textUri = "s3://" + TestBed.BUCKET + "/" + bed.run + "/texts/robot.txt";
        bed.put(textUri, text.getBytes(StandardCharsets.UTF_8));
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"), textUri,
                QualityGates.NONE);
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), () -> "end: " + end);
        JsonNode inputs = MessageCodec.json().readTree(bed.get(end.result().manifestUri())).get("benchmarkInputs");
        assertEquals(textUri, inputs.get("evalText").asText());
        String expectedSha = Sha256.of(String.join("\n\n", text.strip().split("\n\n")).getBytes(StandardCharsets.UTF_8));
        assertEquals(expectedSha, inputs.get("evalTextSha256").asText());
        assertNotEquals(EvaluationText.bundled().sha256(), expectedSha);
        assertTrue(bed.exists(inputs.get("referenceUri").asText()), "a reference of its own text, cached");
    }

    @Test
    void aMissingEvaluationTextFailsTheTaskNamingIt() {
        String textUri = "s3://" + TestBed.BUCKET + "/" + bed.run + "/texts/nowhere.txt";
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", "s3://" + TestBed.BUCKET + "/" + bed.run + "/models/unused/",
                SourceFormat.HF, Recipe.gguf("Q8_0"), textUri, QualityGates.NONE);
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.FAILED, end.type(), () -> "end: " + end);
        assertEquals(textUri + ": no such evaluation text object", end.reason());
    }

    @Test
    void aTooLargeEvaluationTextFailsTheTask() {
        String textUri = "s3://" + TestBed.BUCKET + "/" + bed.run + "/texts/huge.txt";
        bed.put(textUri, "word ".repeat((int) (MAX_EVAL_TEXT / 5 + 1)).getBytes(StandardCharsets.UTF_8));
        TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", "s3://" + TestBed.BUCKET + "/" + bed.run + "/models/unused/",
                SourceFormat.HF, Recipe.gguf("Q8_0"), textUri, QualityGates.NONE);
        bed.publish(task);
        TaskEvent end = last(bed.awaitEnd(task.taskId(), TIMEOUT));
        assertEquals(TaskEvent.Type.FAILED, end.type(), () -> "end: " + end);
        assertTrue(end.reason().startsWith(textUri + ": evaluation text of "), end.reason());
        assertTrue(end.reason().contains("larger than the " + MAX_EVAL_TEXT + " bytes allowed"), end.reason());
    }
}
