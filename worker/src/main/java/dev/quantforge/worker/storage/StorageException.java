package dev.quantforge.worker.storage;

/** Object storage did not do what was asked, after the retries that transient faults get. One line. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
