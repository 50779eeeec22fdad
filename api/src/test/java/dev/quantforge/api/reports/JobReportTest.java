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
            new BenchmarkSummary(1_100_000, 8.5, 3.76, 10.0, 10.01, 0.1, 0.0005, 99.2, 2500.0, 310.0, 4);
    private static final BenchmarkSummary Q4_K_M =
            new BenchmarkSummary(620_000, 4.89, 6.54, 10.0, 10.4, 4.0, 0.031, 93.5, 2100.0, 420.0, 4);
    private static final BenchmarkSummary Q2_K =
            new BenchmarkSummary(400_000, 2.96, 10.8, 10.0, 17.2, 72.0, 0.71, 70.1, 1800.0, 480.0, 4);

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
        assertEquals(new JobReport.Row("Q8_0", "cpu-server-quality", "Q8_0", TaskState.SUCCEEDED, 1_100_000L, 8.5, 3.76,
                10.01, 0.1, 0.0005, 99.2, 2500.0, 310.0, 4, null), q8);
        assertEquals(TaskState.REJECTED, report.rows().get(2).state());
        assertEquals(rejectedBecause, report.rows().get(2).reason());
        assertEquals(new JobReport.Row("Q5_K_M", null, "Q5_K_M", TaskState.RUNNING, null, null, null, null, null, null,
                null, null, null, null, null), report.rows().get(3));

        String markdown = given().accept("text/markdown").get("/api/v1/jobs/" + job.id() + "/report").then()
                .statusCode(200).contentType("text/markdown").extract().asString();
        System.out.println("report (markdown):\n" + markdown);
        List<String> lines = markdown.lines().toList();
        assertEquals("# stories-report", lines.get(0));
        assertTrue(lines.get(2).endsWith("evaluated on the default text, source perplexity 10.0000."), lines.get(2));
        int header = lines.indexOf("| variant | profile | ftype | state | size (bytes) | bpw | ratio | PPL | ΔPPL % "
                + "| mean KLD | same-top % | pp tok/s | tg tok/s | threads | reason |");
        assertTrue(header > 0, markdown);
        assertEquals("| Q8_0 | cpu-server-quality | Q8_0 | SUCCEEDED | 1100000 | 8.50 | 3.76 | 10.0100 | +0.10 "
                + "| 0.000500 | 99.2 | 2500.0 | 310.0 | 4 |  |", lines.get(header + 2));
        assertTrue(lines.get(header + 4).startsWith("| Q2_K | edge-extreme | Q2_K | REJECTED | 400000 | 2.96 |"),
                lines.get(header + 4));
        assertTrue(lines.get(header + 4).endsWith("| " + rejectedBecause + " |"), lines.get(header + 4));
        assertEquals("| Q5_K_M |  | Q5_K_M | RUNNING |  |  |  |  |  |  |  |  |  |  |  |", lines.get(header + 5));
        assertEquals(header + 6, lines.size(), "a row per task");

        // the last task fails: the job delivered some variants that meet their bar, not all
        fixtures.report(fixtures.event(byVariant.get("Q5_K_M"), job.id(), Type.FAILED, 0));
        Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(job.id()).state()));
        given().get("/api/v1/jobs/" + job.id() + "/report").then().statusCode(200)
                .body("state", equalTo("PARTIALLY_SUCCEEDED"))
                .body("rows[3].reason", equalTo("out of disk"));
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
