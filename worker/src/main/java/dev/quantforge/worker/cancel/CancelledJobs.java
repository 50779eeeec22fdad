package dev.quantforge.worker.cancel;

import java.util.UUID;

/** Whether a job was cancelled, as far as this worker has heard. */
@FunctionalInterface
public interface CancelledJobs {
    boolean isCancelled(UUID jobId);
}
