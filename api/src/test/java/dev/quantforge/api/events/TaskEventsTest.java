package dev.quantforge.api.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.Type;
import dev.quantforge.common.quality.QualityGates;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The API applies what workers report, as a worker would report it: TaskEvents on Kafka. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class TaskEventsTest {

    @Inject
    Fixtures fixtures;

    @Inject
    MeterRegistry metrics;

    private JobView submit(String model, List<Object> targets) {
        return fixtures.submit(fixtures.request(fixtures.hfModel(model), targets, Map.of()));
    }

    @Test
    void progressAndResultReachTheJobAndEachEventIsAppliedOnceEvenWhenDeliveredTwice() {
        JobView job = submit("stories-events", List.of("arm-mobile"));
        TaskView task = job.tasks().get(0);
        double duplicatesBefore = duplicates();
        TaskEvent started = fixtures.event(task, job.id(), Type.STARTED, 0);
        TaskEvent progress = fixtures.event(task, job.id(), Type.PROGRESS, 40);
        fixtures.report(started, progress, progress, started);
        Eventually.holds(() -> {
            TaskView now = fixtures.job(job.id()).tasks().get(0);
            assertEquals(TaskState.RUNNING, now.state());
            assertEquals(40, now.progress());
            assertEquals("worker-test", now.worker());
        });
        Eventually.holds(() -> assertEquals(duplicatesBefore + 2, duplicates(), "both repeats were recognized"));
        assertEquals(JobState.RUNNING, fixtures.job(job.id()).state());

        TaskEvent succeeded = fixtures.event(task, job.id(), Type.SUCCEEDED, 100);
        fixtures.report(succeeded, succeeded);
        Eventually.holds(() -> assertEquals(JobState.SUCCEEDED, fixtures.job(job.id()).state()));
        JobView done = fixtures.job(job.id());
        TaskView finished = done.tasks().get(0);
        assertEquals(100, finished.progress());
        assertEquals(succeeded.result(), finished.result());
        assertEquals(task.resultsPrefix() + "manifest.json", finished.result().manifestUri());
        assertNotNull(finished.startedAt());
        assertNotNull(finished.finishedAt());
        assertNotNull(finished.durationMillis());
        assertNotNull(done.finishedAt());
        Eventually.holds(() -> assertEquals(duplicatesBefore + 3, duplicates()));
        assertTrue(metrics.find("quantforge.task.duration").tag("outcome", "SUCCEEDED").timer().count() >= 1,
                "the task's duration was recorded");
    }

    @Test
    void aFinishedTaskIsNeverMovedBackAndStaleProgressIsIgnored() {
        JobView job = submit("stories-backwards", List.of("arm-mobile", "edge-extreme"));
        TaskView first = job.tasks().get(0);
        TaskView second = job.tasks().get(1);
        TaskEvent late = new TaskEvent(UUID.randomUUID(), second.id(), job.id(), Type.PROGRESS,
                Instant.now().minusSeconds(60), "worker-test", 10, null, null);
        // one job's events share a partition: once the failure shows, the late report was read too
        fixtures.report(fixtures.event(second, job.id(), Type.PROGRESS, 50), late,
                fixtures.event(first, job.id(), Type.FAILED, 0));
        Eventually.holds(() -> assertEquals(TaskState.FAILED, fixtures.job(job.id()).tasks().get(0).state()));
        assertEquals(50, fixtures.job(job.id()).tasks().get(1).progress(), "a report older than the last is stale");
        // a redelivered task's STARTED from another worker comes after the failure
        fixtures.report(fixtures.event(first, job.id(), Type.STARTED, 0),
                fixtures.event(second, job.id(), Type.PROGRESS, 60));
        Eventually.holds(() -> assertEquals(60, fixtures.job(job.id()).tasks().get(1).progress()));
        JobView now = fixtures.job(job.id());
        assertEquals(TaskState.FAILED, now.tasks().get(0).state());
        assertEquals("out of disk", now.tasks().get(0).failureReason());
        assertNull(now.tasks().get(0).result());
        assertEquals(JobState.RUNNING, now.state());
    }

    @Test
    void theJobStateFollowsFromItsTasks() {
        JobView partial = submit("stories-partial", List.of("arm-mobile", "edge-extreme", "gpu-cuda"));
        fixtures.report(fixtures.event(partial.tasks().get(0), partial.id(), Type.SUCCEEDED, 100),
                fixtures.event(partial.tasks().get(1), partial.id(), Type.REJECTED, 100),
                fixtures.event(partial.tasks().get(2), partial.id(), Type.FAILED, 0));
        JobView failed = submit("stories-failed", List.of("arm-mobile", "edge-extreme"));
        fixtures.report(fixtures.event(failed.tasks().get(0), failed.id(), Type.FAILED, 0),
                fixtures.event(failed.tasks().get(1), failed.id(), Type.REJECTED, 100));
        Eventually.holds(() -> assertEquals(JobState.PARTIALLY_SUCCEEDED, fixtures.job(partial.id()).state()));
        Eventually.holds(() -> assertEquals(JobState.FAILED, fixtures.job(failed.id()).state()));
        TaskView rejected = fixtures.job(partial.id()).tasks().get(1);
        assertEquals(TaskState.REJECTED, rejected.state());
        assertEquals("perplexity over the gate", rejected.failureReason());
        assertNotNull(rejected.result(), "a rejected variant was built: its files are listed");
    }

    @Test
    void eventsOfUnknownTasksAndMalformedRecordsDoNotStopTheConsumer() {
        JobView job = submit("stories-robust", List.of("arm-mobile"));
        TaskView stranger = new TaskView(UUID.randomUUID(), null, "Q4_0", null, TaskState.QUEUED, 0, null, null,
                null, null, null, job.tasks().get(0).resultsPrefix(), null, null, QualityGates.NONE,
                null, List.of());
        fixtures.report(fixtures.event(stranger, job.id(), Type.STARTED, 0));
        fixtures.reportRaw(job.id(), "{\"not\": \"an event\"}");
        fixtures.report(fixtures.event(job.tasks().get(0), job.id(), Type.SUCCEEDED, 100));
        Eventually.holds(() -> assertEquals(JobState.SUCCEEDED, fixtures.job(job.id()).state()));
    }

    private double duplicates() {
        var counter = metrics.find("quantforge.task.events").tag("outcome", "duplicate").counter();
        return counter == null ? 0 : counter.count();
    }
}
