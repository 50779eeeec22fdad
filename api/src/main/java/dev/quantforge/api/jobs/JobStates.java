package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import java.util.List;

/** A job's state follows from its tasks' states and from whether it was cancelled. */
public final class JobStates {

    private JobStates() {
    }

    /**
     * QUEUED while no task has started; RUNNING until every task has finished; then CANCELLED if
     * the job was cancelled, SUCCEEDED if every task succeeded, PARTIALLY_SUCCEEDED if some did,
     * and FAILED (or CANCELLED, when workers cancelled them all) if none did.
     *
     * <p>A REJECTED task (built, but over its quality gates) counts as not succeeded: the job promised
     * variants that meet their bar, so some rejected make it PARTIALLY_SUCCEEDED and all rejected make
     * it FAILED. The rejected variants are still listed with their files and figures.
     */
    public static JobState derive(List<TaskState> tasks, boolean cancelRequested) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("a job has at least one task");
        }
        boolean allFinished = tasks.stream().allMatch(TaskState::isTerminal);
        if (!allFinished) {
            boolean anyStarted = tasks.stream().anyMatch(s -> s != TaskState.QUEUED);
            return anyStarted ? JobState.RUNNING : JobState.QUEUED;
        }
        if (cancelRequested) {
            return JobState.CANCELLED;
        }
        long succeeded = tasks.stream().filter(s -> s == TaskState.SUCCEEDED).count();
        if (succeeded == tasks.size()) {
            return JobState.SUCCEEDED;
        }
        if (succeeded > 0) {
            return JobState.PARTIALLY_SUCCEEDED;
        }
        return tasks.stream().allMatch(s -> s == TaskState.CANCELLED) ? JobState.CANCELLED : JobState.FAILED;
    }
}
