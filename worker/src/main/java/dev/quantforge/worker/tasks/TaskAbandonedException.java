package dev.quantforge.worker.tasks;

/**
 * The worker is stopping and left a task unfinished on purpose: no terminal event is sent and its offset
 * is not committed, so another worker of the group does the task again.
 */
public final class TaskAbandonedException extends RuntimeException {
    public TaskAbandonedException(String message) {
        super(message);
    }
}
