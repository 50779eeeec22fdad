package dev.quantforge.worker.storage;

import dev.quantforge.common.jobs.S3Uri;

import java.util.Objects;

/** An object found in storage and its size. */
public record StoredObject(S3Uri uri, long bytes) {
    public StoredObject {
        Objects.requireNonNull(uri, "uri");
        if (bytes < 0) {
            throw new IllegalArgumentException("object size must not be negative, got " + bytes);
        }
    }

    /** The last element of the key: the file name the object is saved under. */
    public String fileName() {
        String key = uri.key();
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
