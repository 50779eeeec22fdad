package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.QualityGates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A task as clients see it.
 *
 * @param durationMillis from start to finish, or so far while it runs; null before it starts
 * @param result         the variant's files in object storage (with sizes and sha256) once built
 * @param benchmark      the variant's headline figures (size, perplexity, KL divergence, speed), the same as
 *                       {@code result.benchmark}; null until a benchmarked variant is built
 * @param gates          the quality bar the variant is held to; a limit left out is no limit
 * @param failureReason  why the task failed, was cancelled, or was REJECTED (the figures over their gates)
 * @param publish        the registry references the variant is pushed to once SUCCEEDED (tag resolved per variant)
 */
public record TaskView(UUID id, String profile, String variant, Recipe recipe, TaskState state, int progress,
                       String worker, Instant createdAt, Instant startedAt, Instant finishedAt, Long durationMillis,
                       String resultsPrefix, VariantResult result, BenchmarkSummary benchmark, QualityGates gates,
                       String failureReason, List<PublishTarget> publish) {

    static TaskView of(Task task, Instant now) {
        Long duration = task.startedAt == null ? null
                : Duration.between(task.startedAt, task.finishedAt == null ? now : task.finishedAt).toMillis();
        return new TaskView(task.id, task.profile, task.variant, task.recipe, task.state, task.progress, task.worker,
                task.createdAt, task.startedAt, task.finishedAt, duration, task.resultsPrefix, task.result,
                task.result == null ? null : task.result.benchmark(), task.gates(), task.failureReason,
                task.publish == null ? List.of() : task.publish);
    }
}
