package dev.quantforge.common.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.quality.QualityGates;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TaskEventIdsTest {
    private static final Instant FIRST = Instant.parse("2026-12-06T10:00:00Z");
    private static final Instant LATER = FIRST.plusSeconds(30);

    private static TaskMessage task() {
        return new TaskMessage(UUID.randomUUID(), UUID.randomUUID(), "m", "s3://models/m/", SourceFormat.HF, "Q8_0",
                Recipe.gguf("Q8_0"), null, "s3://results/m/Q8_0/", null, QualityGates.NONE);
    }

    @Test
    void aTaskReportingTheSameOutcomeAgainRepeatsItsEventId() {
        TaskMessage task = task();
        // another worker, another time: a redelivery after the task ended
        assertEquals(TaskEvent.failed(task, "worker-1", FIRST, "no objects").eventId(),
                TaskEvent.failed(task, "worker-2", LATER, "no objects").eventId());
        assertEquals(TaskEvent.cancelled(task, "worker-1", FIRST, "job cancelled").eventId(),
                TaskEvent.cancelled(task, "worker-2", LATER, "job cancelled").eventId());
    }

    @Test
    void anotherOutcomeOrTaskHasAnotherId() {
        TaskMessage task = task();
        UUID failed = TaskEvent.failed(task, "w", FIRST, "no objects").eventId();
        assertNotEquals(failed, TaskEvent.failed(task, "w", FIRST, "disk full").eventId());
        assertNotEquals(failed, TaskEvent.cancelled(task, "w", FIRST, "no objects").eventId());
        assertNotEquals(failed, TaskEvent.failed(task(), "w", FIRST, "no objects").eventId());
    }

    @Test
    void startedAndProgressEventsAreEachTheirOwn() {
        TaskMessage task = task();
        assertNotEquals(TaskEvent.started(task, "w", FIRST).eventId(), TaskEvent.started(task, "w", FIRST).eventId());
        assertNotEquals(TaskEvent.progress(task, "w", FIRST, 50).eventId(),
                TaskEvent.progress(task, "w", FIRST, 50).eventId());
    }
}
