package dev.quantforge.api.auth;

import dev.quantforge.api.caching.ExpiringMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Remembers, for {@code qf.auth.key-cache-ttl}, who a valid key is, so that a client's requests do not each cost a
 * database transaction. Only found, unrevoked keys are kept: an unknown key is looked up every time (and a key just
 * created is never "unknown" from an earlier miss). A revocation made through this instance removes the key at once;
 * one made through another instance holds here once the entry expires, so a revoked key keeps working for at most
 * the TTL at the other instances.
 */
@ApplicationScoped
public class ApiKeyCache {

    /** Beyond this many keys the cache starts afresh: keys are few, and this bounds a flood of valid ones. */
    static final int MAX_ENTRIES = 10_000;

    private final ExpiringMap<String, ApiKeys.Holder> byHash;
    /** Bumped by every invalidation: a lookup that raced with one does not store what it read before it. */
    private final AtomicLong invalidations = new AtomicLong();

    @Inject
    public ApiKeyCache(AuthConfig config) {
        this(config.keyCacheTtl().toNanos(), System::nanoTime);
    }

    ApiKeyCache(long ttlNanos, LongSupplier nanoTime) {
        this.byHash = new ExpiringMap<>(ttlNanos, MAX_ENTRIES, nanoTime, "qf.auth.key-cache-ttl");
    }

    /** The holder of the key with this hash if it is remembered and fresh; never asks the database. */
    public Optional<ApiKeys.Holder> remembered(String keyHash) {
        return byHash.get(keyHash);
    }

    /** The holder of the key with this hash: remembered, or asked of {@code lookup} (and then remembered). */
    public Optional<ApiKeys.Holder> holder(String keyHash, Supplier<Optional<ApiKeys.Holder>> lookup) {
        if (!byHash.remembers()) {
            return lookup.get();
        }
        Optional<ApiKeys.Holder> cached = remembered(keyHash);
        if (cached.isPresent()) {
            return cached;
        }
        long now = byHash.now();
        long generation = invalidations.get();
        Optional<ApiKeys.Holder> found = lookup.get();
        if (found.isEmpty()) {
            byHash.remove(keyHash);
        } else if (invalidations.get() == generation) {
            byHash.put(keyHash, found.get(), now);
            if (invalidations.get() != generation) {
                // an invalidation came between the check and the put
                byHash.remove(keyHash, found.get());
            }
        }
        return found;
    }

    /** Forgets the key with this hash (call after the revocation committed). */
    public void invalidate(String keyHash) {
        invalidations.incrementAndGet();
        byHash.remove(keyHash);
    }
}
