package dev.quantforge.api.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.api.support.TopicReader;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.CancelMessage;
import dev.quantforge.common.messages.TaskEvent.Type;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobCancellationTest {

    @Inject
    Fixtures fixtures;

    @Test
    void cancellingEndsQueuedTasksAtOnceAndRunningOnesWhenTheirWorkerReports() {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-cancel"),
                List.of("arm-mobile", "edge-extreme"), Map.of()));
        TaskView running = job.tasks().get(0);
        fixtures.report(fixtures.event(running, job.id(), Type.STARTED, 0));
        Eventually.holds(() -> assertEquals(TaskState.RUNNING, fixtures.job(job.id()).tasks().get(0).state()));

        try (TopicReader control = TopicReader.control()) {
            given().delete("/api/v1/jobs/" + job.id()).then().statusCode(202)
                    .body("cancelRequested", equalTo(true))
                    .body("state", equalTo("RUNNING"))
                    .body("tasks[0].state", equalTo("RUNNING"))
                    .body("tasks[1].state", equalTo("CANCELLED"));
            CancelMessage message = fixtures.read(control.await(job.id().toString(), 1).get(0).value(),
                    CancelMessage.class);
            assertEquals(job.id(), message.jobId());
            // cancelling again is accepted but tells the workers nothing new
            given().delete("/api/v1/jobs/" + job.id()).then().statusCode(202);
            assertEquals(1, control.collect(job.id().toString(), Duration.ofSeconds(2)).size());
        }

        // a late STARTED for the cancelled task changes nothing: it never starts
        fixtures.report(fixtures.event(job.tasks().get(1), job.id(), Type.STARTED, 0),
                fixtures.event(running, job.id(), Type.CANCELLED, 0));
        Eventually.holds(() -> assertEquals(JobState.CANCELLED, fixtures.job(job.id()).state()));
        JobView cancelled = fixtures.job(job.id());
        assertEquals(List.of(TaskState.CANCELLED, TaskState.CANCELLED), cancelled.tasks().stream()
                .map(TaskView::state).toList());
        assertTrue(cancelled.tasks().get(1).failureReason().contains("cancelled before"));

        given().delete("/api/v1/jobs/" + job.id()).then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:quantforge:problem:job-finished"));
    }

    @Test
    void aJobWithOnlyQueuedTasksIsCancelledAtOnce() {
        JobView job = fixtures.submit(fixtures.request(fixtures.hfModel("stories-cancel-queued"),
                List.of("arm-mobile"), Map.of()));
        given().delete("/api/v1/jobs/" + job.id()).then().statusCode(202)
                .body("state", equalTo("CANCELLED"))
                .body("tasks[0].state", equalTo("CANCELLED"));
    }
}
