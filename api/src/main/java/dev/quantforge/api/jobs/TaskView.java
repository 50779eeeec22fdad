package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A task as clients see it.
 *
 * @param durationMillis from start to finish, or so far while it runs; null before it starts
 * @param result         the variant's files in object storage (with sizes and sha256) once built
 */
public record TaskView(UUID id, String profile, String variant, Recipe recipe, TaskState state, int progress,
                       String worker, Instant createdAt, Instant startedAt, Instant finishedAt, Long durationMillis,
                       String resultsPrefix, VariantResult result, String failureReason) {

    static TaskView of(Task task, Instant now) {
        Long duration = task.startedAt == null ? null
                : Duration.between(task.startedAt, task.finishedAt == null ? now : task.finishedAt).toMillis();
        return new TaskView(task.id, task.profile, task.variant, task.recipe, task.state, task.progress, task.worker,
                task.createdAt, task.startedAt, task.finishedAt, duration, task.resultsPrefix, task.result,
                task.failureReason);
    }
}
