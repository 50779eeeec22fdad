package dev.quantforge.api.reports;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.api.support.TopicReader;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent.Type;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.GateFailure;
import dev.quantforge.common.quality.QualityGates;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Benchmarks through the API: a job's text and gates go to the workers, their figures come back in the report. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobReportTest {

    private static final BenchmarkSummary Q8_0 =
            new BenchmarkSummary(1_100_000, 8.5, 3.76, 10.0, 10.01, 0.1, 0.0005, 99.2, 2500.0, 310.0, 4, "llama.cpp");
    private static final BenchmarkSummary Q4_K_M =
            new BenchmarkSummary(620_000, 4.89, 6.54, 10.0, 10.4, 4.0, 0.031, 93.5, 2100.0, 420.0, 4, "llama.cpp");
    private static final BenchmarkSummary Q2_K =
            new BenchmarkSummary(400_000, 2.96, 10.8, 10.0, 17.2, 72.0, 0.71, 70.1, 1800.0, 480.0, 4, null);
    /** ONNX variants of the same source, measured on ONNX Runtime against the same reference. */
    private static final String ORT = "onnxruntime 1.29.0 (CPU execution provider)";
    private static final BenchmarkSummary ONNX_INT8 =
            new BenchmarkSummary(490_247, 11.13, 2.13, 10.0, 10.02, 0.17, 0.0012, 98.0, 3000.0, 800.0, 4, ORT);
    private static final BenchmarkSummary ONNX_INT4_B128 =
            new BenchmarkSummary(484_441, 6.08, 2.16, 10.0, 11.26, 12.6, 0.142, 77.0, 2900.0, 850.0, 4, ORT);

    @Inject
    Fixtures fixtures;

    @Test
    void theJobsEvalTextAndGatesGoToEveryTaskAndProfilesBringTheirOwnOtherwise() {
        String source = fixtures.hfModel("stories-gated");
        String text = fixtures.text("texts/gated-eval.txt", "Once upon a time there was a small model.\n");
        Map<String, Object> ownGates = new HashMap<>(fixtures.request(source,
                List.of("cpu-x86-avx2", Map.of("format", "gguf", "ftype", "Q8_0")), Map.of()));
        ownGates.put("evalText", text);
        ownGates.put("qualityGates", Map.of("maxMeanKld", 0.05, "minSameTopPercent", 90));
        try (TopicReader tasks = TopicReader.tasks()) {
            JobView job = fixtures.submit(ownGates);
            QualityGates jobGates = new QualityGates(0.05, null, 90.0);
            for (TaskView task : job.tasks()) {
                assertEquals(jobGates, task.gates(), "the job's gates replace the profile's, and apply to recipes");
                String record = tasks.await(task.id().toString(), 1).get(0).value();
                TaskMessage message = fixtures.read(record, TaskMessage.class);
                assertEquals(text, message.evalText());
                assertEquals(jobGates, message.gates());
                assertTrue(record.contains("\"gates\":{\"maxMeanKld\":0.05,\"minSameTopPercent\":90.0}"),
                        "only the limits set travel: " + record);
            }
            assertEquals(jobGates, fixtures.job(job.id()).tasks().get(1).gates(), "stored with the task");

            JobView plain = fixtures.submit(fixtures.request(source,
                    List.of("cpu-x86-avx2", Map.of("format", "gguf", "ftype", "Q8_0")), Map.of()));
            TaskMessage profile = fixtures.read(tasks.await(plain.tasks().get(0).id().toString(), 1).get(0).value(),
                    TaskMessage.class);
            assertEquals(new QualityGates(0.1, 10.0, null), profile.gates());
            assertNull(profile.evalText(), "the workers' default text");
            String recipe = tasks.await(plain.tasks().get(1).id().toString(), 1).get(0).value();
            assertTrue(recipe.contains("\"gates\":{}"), "an explicit recipe has no gates: " + recipe);
            assertEquals(QualityGates.NONE, fixtures.job(plain.id()).tasks().get(1).gates());
        }
    }

    @Test
    void aMalformedEvalTextOrGateIsABadRequestAndAMissingTextUnprocessable() {
        String source = fixtures.hfModel("stories-bad-gates");
        Map<String, Object> bad = new HashMap<>(fixtures.request(source, List.of("arm-mobile"), Map.of()));
        bad.put("evalText", "s3://Not_A_Bucket/eval.txt");
        bad.put("qualityGates", Map.of("minSameTopPercent", 120, "maxMeanKld", "low"));
        given().contentType(ContentType.JSON).body(bad).post("/api/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("evalText", "qualityGates.minSameTopPercent", "qualityGates.maxMeanKld"))
                .body("errors.find { it.field == 'qualityGates.minSameTopPercent' }.message",
                        equalTo("must be a number from 0 to 100"));

        Map<String, Object> missing = new HashMap<>(fixtures.request(source, List.of("arm-mobile"), Map.of()));
        missing.put("evalText", "s3://" + Fixtures.MODELS_BUCKET + "/texts/never-uploaded.txt");
        given().contentType(ContentType.JSON).body(missing).post("/api/v1/jobs").then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:quantforge:problem:eval-text-not-found"))
                .body("detail", equalTo("no evaluation text (evalText) at s3://models/texts/never-uploaded.txt"));

        Map<String, Object> large = new HashMap<>(fixtures.request(source, List.of("arm-mobile"), Map.of()));
        large.put("evalText", fixtures.text("texts/too-large.txt", "x".repeat(1024 * 1024 + 1)));
        given().contentType(ContentType.JSON).body(large).post("/api/v1/jobs").then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:quantforge:problem:eval-text-too-large"))
                .body("detail", equalTo("the evaluation text (evalText) at s3://models/texts/too-large.txt has 1048577 bytes;"
                        + " at most 1048576 are allowed"));
    }

    @Test
    void builtAndRejectedVariantsShowTheirFiguresOnTheTaskAndInTheReport() {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-report"),
                List.of("cpu-x86-avx2", "edge-extreme", Map.of("format", "gguf", "ftype", "Q5_K_M"),
                        "cpu-server-quality"), Map.of()));
        Map<String, TaskView> byVariant = job.tasks().stream().collect(Collectors.toMap(TaskView::variant, t -> t));
        QualityGates edgeGates = byVariant.get("Q2_K").gates();
        String rejectedBecause = "quality gates failed: " + edgeGates.check(Q2_K).stream()
                .map(GateFailure::toString).collect(Collectors.joining("; "));
        fixtures.report(fixtures.benchmarked(byVariant.get("Q8_0"), job.id(), Q8_0, null),
                fixtures.benchmarked(byVariant.get("Q4_K_M"), job.id(), Q4_K_M, null),
                fixtures.benchmarked(byVariant.get("Q2_K"), job.id(), Q2_K, rejectedBecause),
                fixtures.event(byVariant.get("Q5_K_M"), job.id(), Type.STARTED, 0));
        Eventually.holds(() -> assertEquals(TaskState.REJECTED, state(job.id(), "Q2_K")));
        Eventually.holds(() -> assertEquals(TaskState.RUNNING, state(job.id(), "Q5_K_M")));

        JobView now = fixtures.job(job.id());
        TaskView built = task(now, "Q8_0");
        assertEquals(TaskState.SUCCEEDED, built.state());
        assertEquals(Q8_0, built.benchmark());
        assertEquals(700, built.result().benchmarkMillis());
        assertEquals(new QualityGates(0.01, 1.0, null), built.gates());
        TaskView rejected = task(now, "Q2_K");
        assertEquals(Q2_K, rejected.benchmark());
        assertEquals(rejectedBecause, rejected.failureReason());
        assertTrue(rejected.failureReason().contains("mean KLD 0.710000 > limit 0.600000"), rejected.failureReason());
        assertTrue(rejected.result().files().get(0).uri().startsWith(rejected.resultsPrefix() + "rejected/"));
        assertNull(task(now, "Q5_K_M").benchmark());

        String json = given().get("/api/v1/jobs/" + job.id() + "/report").then().statusCode(200)
                .contentType(ContentType.JSON).extract().asString();
        System.out.println("report (JSON): " + json);
        JobReport report = fixtures.read(json, JobReport.class);
        assertEquals(List.of("Q8_0", "Q4_K_M", "Q2_K", "Q5_K_M"), report.rows().stream().map(JobReport.Row::variant).toList(),
                "most bits per weight first, the unfinished task last");
        assertEquals(10.0, report.sourcePerplexity());
        assertNull(report.evalText());
        JobReport.Row q8 = report.rows().get(0);
        assertEquals(new JobReport.Row("Q8_0", "cpu-server-quality", "gguf", "Q8_0", TaskState.SUCCEEDED, 1_100_000L, 8.5,
                3.76, 10.01, 0.1, 0.0005, 99.2, 2500.0, 310.0, 4, "llama.cpp", null), q8);
        assertEquals("llama.cpp", report.rows().get(2).runtime(), "figures without a runtime were llama.cpp's");
        assertEquals(TaskState.REJECTED, report.rows().get(2).state());
        assertEquals(rejectedBecause, report.rows().get(2).reason());
        assertEquals(new JobReport.Row("Q5_K_M", null, "gguf", "Q5_K_M", TaskState.RUNNING, null, null, null, null, null,
                null, null, null, null, null, null, null), report.rows().get(3));

        String markdown = given().accept("text/markdown").get("/api/v1/jobs/" + job.id() + "/report").then()
                .statusCode(200).contentType("text/markdown").extract().asString();
        System.out.println("report (markdown):\n" + markdown);
        List<String> lines = markdown.lines().toList();
        assertEquals("# stories-report", lines.get(0));
        assertTrue(lines.get(2).endsWith("evaluated on the default text, source perplexity 10.0000."), lines.get(2));
        int header = lines.indexOf(HEADER);
        assertTrue(header > 0, markdown);
        assertEquals("| Q8_0 | cpu-server-quality | gguf | Q8_0 | SUCCEEDED | 1100000 | 8.50 | 3.76 | 10.0100 | +0.10 "
                + "| 0.000500 | 99.2 | 2500.0 | 310.0 | 4 | llama.cpp |  |", lines.get(header + 2));
        assertTrue(lines.get(header + 4).startsWith("| Q2_K | edge-extreme | gguf | Q2_K | REJECTED | 400000 | 2.96 |"),
                lines.get(header + 4));
        assertTrue(lines.get(header + 4).endsWith("| llama.cpp | " + rejectedBecause + " |"), lines.get(header + 4));
        assertEquals("| Q5_K_M |  | gguf | Q5_K_M | RUNNING |  |  |  |  |  |  |  |  |  |  |  |  |", lines.get(header + 5));
        assertEquals(header + 6, lines.size(), "a row per task");

        // the last task fails: the job delivered some variants that meet their bar, not all
        fixtures.report(fixtures.event(byVariant.get("Q5_K_M"), job.id(), Type.FAILED, 0));
        Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(job.id()).state()));
        given().get("/api/v1/jobs/" + job.id() + "/report").then().statusCode(200)
                .body("state", equalTo("PARTIALLY_SUCCEEDED"))
                .body("rows[3].reason", equalTo("out of disk"));
    }

    private static final String HEADER = "| variant | profile | format | ftype | state | size (bytes) | bpw | ratio | PPL"
            + " | ΔPPL % | mean KLD | same-top % | pp tok/s | tg tok/s | threads | runtime | reason |";

    @Test
    void aJobMixingGgufAndOnnxTargetsComparesThemSideBySide() {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-mixed"),
                List.of("cpu-server-quality", "cpu-onnx-int8", Map.of("format", "onnx", "precision", "int4", "blockSize", 128),
                        "cpu-onnx-int4"), Map.of()));
        Map<String, TaskView> byVariant = job.tasks().stream().collect(Collectors.toMap(TaskView::variant, t -> t));
        assertEquals(java.util.Set.of("Q8_0", "onnx-int8", "onnx-int4-b128", "onnx-int4-b32-acc4"), byVariant.keySet());
        TaskView int8 = byVariant.get("onnx-int8");
        assertEquals(new QualityGates(0.01, 1.0, null), int8.gates(), "the profile's gates");
        assertEquals(QualityGates.NONE, byVariant.get("onnx-int4-b128").gates(), "an explicit target has none");
        fixtures.report(fixtures.benchmarked(byVariant.get("Q8_0"), job.id(), Q8_0, null),
                fixtures.benchmarked(int8, job.id(), ONNX_INT8, null),
                fixtures.benchmarked(byVariant.get("onnx-int4-b128"), job.id(), ONNX_INT4_B128, null));
        Eventually.holds(() -> assertEquals(TaskState.SUCCEEDED, state(job.id(), "onnx-int4-b128")));
        Eventually.holds(() -> assertEquals(TaskState.SUCCEEDED, state(job.id(), "Q8_0")));
        Eventually.holds(() -> assertEquals(TaskState.SUCCEEDED, state(job.id(), "onnx-int8")));

        JobReport report = fixtures.read(given().get("/api/v1/jobs/" + job.id() + "/report").then().statusCode(200)
                .extract().asString(), JobReport.class);
        assertEquals(List.of("onnx-int8", "Q8_0", "onnx-int4-b128", "onnx-int4-b32-acc4"),
                report.rows().stream().map(JobReport.Row::variant).toList(), "by bits per weight, whatever the format");
        assertEquals(List.of("onnx", "gguf", "onnx", "onnx"), report.rows().stream().map(JobReport.Row::format).toList());
        assertEquals(Arrays.asList(ORT, "llama.cpp", ORT, null), report.rows().stream().map(JobReport.Row::runtime).toList());
        assertEquals(new JobReport.Row("onnx-int8", "cpu-onnx-int8", "onnx", "int8", TaskState.SUCCEEDED, 490_247L, 11.13,
                2.13, 10.02, 0.17, 0.0012, 98.0, 3000.0, 800.0, 4, ORT, null), report.rows().get(0));
        assertEquals(10.0, report.sourcePerplexity(), "one reference for GGUF and ONNX alike");

        List<String> lines = given().accept("text/markdown").get("/api/v1/jobs/" + job.id() + "/report").then()
                .statusCode(200).extract().asString().lines().toList();
        int header = lines.indexOf(HEADER);
        assertTrue(header > 0, String.join("\n", lines));
        assertEquals("| onnx-int8 | cpu-onnx-int8 | onnx | int8 | SUCCEEDED | 490247 | 11.13 | 2.13 | 10.0200 | +0.17 "
                + "| 0.001200 | 98.0 | 3000.0 | 800.0 | 4 | " + ORT + " |  |", lines.get(header + 2));
        assertTrue(lines.get(header + 3).startsWith("| Q8_0 | cpu-server-quality | gguf | Q8_0 | SUCCEEDED |"), lines.get(header + 3));
        assertTrue(lines.get(header + 4).startsWith("| onnx-int4-b128 |  | onnx | int4 | SUCCEEDED | 484441 | 6.08 |"),
                lines.get(header + 4));
        assertEquals("| onnx-int4-b32-acc4 | cpu-onnx-int4 | onnx | int4 | QUEUED |  |  |  |  |  |  |  |  |  |  |  |  |",
                lines.get(header + 5));
    }

    @Test
    void aJobWhoseVariantsWereAllRejectedFailed() {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-all-rejected"),
                List.of("edge-extreme"), Map.of()));
        fixtures.report(fixtures.benchmarked(job.tasks().get(0), job.id(), Q2_K, "quality gates failed: mean KLD"));
        Eventually.holds(() -> assertEquals(JobState.FAILED, fixtures.job(job.id()).state()));
    }

    @Test
    void theReportOfAnUnknownJobIsNotFound() {
        UUID unknown = UUID.randomUUID();
        given().get("/api/v1/jobs/" + unknown + "/report").then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", equalTo("no job " + unknown));
        given().accept("text/markdown").get("/api/v1/jobs/" + unknown + "/report").then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/api/v1/jobs/not-a-job/report").then().statusCode(404);
    }

    private TaskState state(UUID jobId, String variant) {
        return task(fixtures.job(jobId), variant).state();
    }

    private static TaskView task(JobView job, String variant) {
        return job.tasks().stream().filter(t -> t.variant().equals(variant)).findFirst().orElseThrow();
    }

}
