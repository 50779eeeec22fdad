package dev.quantforge.worker.storage;

import dev.quantforge.common.jobs.S3Uri;

import java.util.Objects;

/**
 * An object found in storage, its size and its ETag (the store's fingerprint of its content; empty string
 * when the store gave none).
 */
public record StoredObject(S3Uri uri, long bytes, String etag) {
    public StoredObject {
        Objects.requireNonNull(uri, "uri");
        if (bytes < 0) {
            throw new IllegalArgumentException("object size must not be negative, got " + bytes);
        }
        // S3 quotes ETags in some answers and not in others: keep them comparable
        etag = etag == null ? "" : etag.replace("\"", "");
    }

    /** The last element of the key: the file name the object is saved under. */
    public String fileName() {
        String key = uri.key();
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
