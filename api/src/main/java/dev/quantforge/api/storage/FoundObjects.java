package dev.quantforge.api.storage;

import dev.quantforge.common.jobs.S3Uri;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Objects a submit check found, with their sizes, for a short time: a client submitting many jobs for one model makes
 * one S3 request per TTL rather than one per job. Only found objects are kept (see {@link SourceCheckConfig}).
 */
final class FoundObjects {

    /** Beyond this many objects the memory starts afresh; it bounds a flood of distinct sources. */
    static final int MAX_ENTRIES = 10_000;

    private record Found(long bytes, long expiresAt) {
    }

    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Map<S3Uri, Found> objects = new ConcurrentHashMap<>();

    FoundObjects(long ttlNanos, LongSupplier nanoTime) {
        if (ttlNanos < 0) {
            throw new IllegalArgumentException("qf.source-check.cache-ttl must not be negative");
        }
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
    }

    /** The object's size, if it was found less than the TTL ago. */
    OptionalLong bytes(S3Uri object) {
        Found found = objects.get(object);
        if (found == null || nanoTime.getAsLong() - found.expiresAt() >= 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(found.bytes());
    }

    void found(S3Uri object, long bytes) {
        if (ttlNanos == 0) {
            return;
        }
        if (objects.size() >= MAX_ENTRIES) {
            objects.clear();
        }
        objects.put(object, new Found(bytes, nanoTime.getAsLong() + ttlNanos));
    }
}
