package dev.quantforge.api.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskEvent.Type;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TaskTransitionsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static TaskEvent event(Type type, Instant at) {
        return new TaskEvent(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), type, at, "w", 0, null, null);
    }

    @Test
    void reportsMoveATaskForward() {
        assertEquals(Optional.of(TaskState.RUNNING), TaskTransitions.next(TaskState.QUEUED, event(Type.STARTED, T0), null));
        assertEquals(Optional.of(TaskState.RUNNING), TaskTransitions.next(TaskState.QUEUED, event(Type.PROGRESS, T0), null));
        assertEquals(Optional.of(TaskState.SUCCEEDED),
                TaskTransitions.next(TaskState.RUNNING, event(Type.SUCCEEDED, T0), T0));
        assertEquals(Optional.of(TaskState.REJECTED),
                TaskTransitions.next(TaskState.RUNNING, event(Type.REJECTED, T0), T0));
        assertEquals(Optional.of(TaskState.FAILED), TaskTransitions.next(TaskState.QUEUED, event(Type.FAILED, T0), null));
    }

    @Test
    void aFinishedTaskStaysFinished() {
        for (TaskState done : new TaskState[] {TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED,
                TaskState.REJECTED}) {
            for (Type type : Type.values()) {
                assertEquals(Optional.empty(), TaskTransitions.next(done, event(type, T0.plusSeconds(9)), T0));
            }
        }
    }

    @Test
    void progressOlderThanTheLastReportIsStaleButAnEndIsNot() {
        Instant last = T0.plusSeconds(10);
        assertEquals(Optional.empty(), TaskTransitions.next(TaskState.RUNNING, event(Type.PROGRESS, T0), last));
        assertEquals(Optional.of(TaskState.FAILED), TaskTransitions.next(TaskState.RUNNING, event(Type.FAILED, T0), last));
    }
}
