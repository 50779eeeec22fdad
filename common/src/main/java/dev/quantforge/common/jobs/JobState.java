package dev.quantforge.common.jobs;

/** A job's life: QUEUED → RUNNING → one of the terminal states. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, PARTIALLY_SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this != QUEUED && this != RUNNING;
    }
}
