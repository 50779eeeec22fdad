package dev.quantforge.api.storage;

import dev.quantforge.api.caching.ExpiringMap;
import dev.quantforge.common.jobs.S3Uri;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Objects a submit check found, with their sizes, for a short time: a client submitting many jobs for one model makes
 * one S3 request per TTL rather than one per job. Only found objects are kept (see {@link SourceCheckConfig}).
 */
final class FoundObjects {

    /** Beyond this many objects the memory starts afresh; it bounds a flood of distinct sources. */
    static final int MAX_ENTRIES = 10_000;

    private final ExpiringMap<S3Uri, Long> sizes;

    FoundObjects(long ttlNanos, LongSupplier nanoTime) {
        this.sizes = new ExpiringMap<>(ttlNanos, MAX_ENTRIES, nanoTime, "qf.source-check.cache-ttl");
    }

    /** The object's size, if it was found less than the TTL ago. */
    OptionalLong bytes(S3Uri object) {
        return sizes.get(object).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    void found(S3Uri object, long bytes) {
        sizes.put(object, bytes);
    }
}
