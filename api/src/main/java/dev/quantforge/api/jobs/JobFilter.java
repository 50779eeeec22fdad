package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.JobState;
import java.util.Map;
import java.util.Optional;

/**
 * What a listing keeps: jobs in one state (if given) that carry every one of the labels.
 */
public record JobFilter(Optional<JobState> state, Map<String, String> labels, int limit, Optional<JobCursor> after) {
    public JobFilter {
        labels = Map.copyOf(labels);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
    }
}
