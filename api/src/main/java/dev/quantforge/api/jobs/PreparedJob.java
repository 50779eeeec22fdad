package dev.quantforge.api.jobs;

import dev.quantforge.api.outbox.OutboxRecord;
import dev.quantforge.api.registries.CatalogAnnouncement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A submitted job ready to be written: its rows, its tasks' Kafka messages and its job.submitted event, all built
 * (and serialized) on the request's thread, so that the one thread writing batches only talks to the database.
 *
 * @param idempotent the Idempotency-Key it claims, if the request carried one
 */
record PreparedJob(Job job, List<Task> tasks, List<OutboxRecord> taskMessages, CatalogAnnouncement submitted,
                   Optional<JobSubmitter.IdempotentRequest> idempotent) {
    PreparedJob {
        Objects.requireNonNull(job, "job");
        tasks = List.copyOf(tasks);
        taskMessages = List.copyOf(taskMessages);
        Objects.requireNonNull(submitted, "submitted");
        Objects.requireNonNull(idempotent, "idempotent");
    }
}
