package dev.quantforge.common.jobs;

/** A task's life; REJECTED means built but over its profile's quality gate. */
public enum TaskState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, REJECTED;

    public boolean isTerminal() {
        return this != QUEUED && this != RUNNING;
    }
}
