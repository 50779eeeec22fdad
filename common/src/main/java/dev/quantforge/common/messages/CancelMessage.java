package dev.quantforge.common.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Tells every worker that a job was cancelled: a worker running one of its tasks stops at the next
 * tensor and reports CANCELLED; a worker that receives one of its tasks later skips it.
 */
public record CancelMessage(UUID jobId) {
    public CancelMessage {
        Objects.requireNonNull(jobId, "jobId");
    }
}
