package dev.quantforge.api.events;

import java.util.Objects;
import java.util.UUID;

/**
 * Something about a job changed in the database: a task event was applied or the job was cancelled.
 *
 * @param taskId the task that changed, or null for the job as a whole
 * @param what   the event type that was applied ({@code PROGRESS}, {@code SUCCEEDED}, ...), {@code CANCEL_REQUESTED}
 *               or {@code SUBMITTED}
 */
public record JobChange(UUID jobId, UUID taskId, String what) {

    public static final String CANCEL_REQUESTED = "CANCEL_REQUESTED";
    public static final String SUBMITTED = "SUBMITTED";

    public JobChange {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(what, "what");
    }
}
