package dev.quantforge.api.events;

import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent;
import java.time.Instant;
import java.util.Optional;

/** Which state a task event moves a task to, if any. */
final class TaskTransitions {

    private TaskTransitions() {
    }

    /**
     * The state after {@code event}, or empty if the event must be ignored: a finished task never
     * changes again (a redelivered task's late STARTED must not revive it), and a report older than
     * the last one applied is stale.
     */
    static Optional<TaskState> next(TaskState current, TaskEvent event, Instant lastEventAt) {
        if (current.isTerminal()) {
            return Optional.empty();
        }
        boolean stale = lastEventAt != null && event.at().isBefore(lastEventAt);
        return switch (event.type()) {
            case STARTED, PROGRESS -> stale ? Optional.empty() : Optional.of(TaskState.RUNNING);
            case SUCCEEDED -> Optional.of(TaskState.SUCCEEDED);
            case FAILED -> Optional.of(TaskState.FAILED);
            case REJECTED -> Optional.of(TaskState.REJECTED);
            case CANCELLED -> Optional.of(TaskState.CANCELLED);
        };
    }
}
