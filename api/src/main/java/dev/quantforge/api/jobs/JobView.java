package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.messages.PublishTarget;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A job as clients see it, with its tasks in the order the targets were given.
 *
 * @param cancelRequested true once the job was cancelled, while running tasks are still stopping
 * @param publish         the registries the job's variants are pushed to, as the request gave them (each task's
 *                        {@code publish} has the references its variant goes to)
 */
public record JobView(UUID id, String name, JobState state, boolean cancelRequested, Source source,
                      String modelName, Map<String, String> labels, Instant createdAt, Instant updatedAt,
                      Instant startedAt, Instant finishedAt, List<PublishTarget> publish, List<TaskView> tasks) {

    /** Where the source model is, as the request gave it. */
    public record Source(String uri, String format) {
    }

    public static JobView of(Job job, List<Task> tasks, Instant now) {
        return new JobView(job.id, job.name, job.state, job.cancelRequested,
                new Source(job.sourceUri, job.sourceFormat.name().toLowerCase(Locale.ROOT)), job.modelName,
                job.labels, job.createdAt, job.updatedAt, job.startedAt, job.finishedAt,
                job.publish == null ? List.of() : job.publish,
                tasks.stream().map(t -> TaskView.of(t, now)).toList());
    }
}
