package dev.quantforge.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ApiKeyCacheTest {

    private static final ApiKeys.Holder HOLDER = new ApiKeys.Holder(UUID.randomUUID(), "ci", "acme",
            List.of("jobs:submit"));
    private static final long TTL = Duration.ofSeconds(5).toNanos();

    private final AtomicLong clock = new AtomicLong(1_000);
    private final AtomicInteger lookups = new AtomicInteger();

    private Supplier<Optional<ApiKeys.Holder>> database(Optional<ApiKeys.Holder> answer) {
        return () -> {
            lookups.incrementAndGet();
            return answer;
        };
    }

    @Test
    void aFoundKeyIsLookedUpOncePerTtl() {
        ApiKeyCache cache = new ApiKeyCache(TTL, clock::get);
        assertEquals(Optional.of(HOLDER), cache.holder("h", database(Optional.of(HOLDER))));
        clock.addAndGet(TTL - 1);
        assertEquals(Optional.of(HOLDER), cache.holder("h", database(Optional.of(HOLDER))));
        assertEquals(1, lookups.get());
        clock.addAndGet(1);
        // expired: asked again, and what the database says now counts (here: revoked elsewhere)
        assertEquals(Optional.empty(), cache.holder("h", database(Optional.empty())));
        assertEquals(2, lookups.get());
    }

    @Test
    void anUnknownKeyIsNeverRemembered() {
        ApiKeyCache cache = new ApiKeyCache(TTL, clock::get);
        assertEquals(Optional.empty(), cache.holder("h", database(Optional.empty())));
        assertEquals(Optional.of(HOLDER), cache.holder("h", database(Optional.of(HOLDER))));
        assertEquals(2, lookups.get());
    }

    @Test
    void anInvalidatedKeyIsLookedUpAgainAtOnce() {
        ApiKeyCache cache = new ApiKeyCache(TTL, clock::get);
        cache.holder("h", database(Optional.of(HOLDER)));
        cache.invalidate("h");
        assertEquals(Optional.empty(), cache.holder("h", database(Optional.empty())));
        assertEquals(2, lookups.get());
    }

    @Test
    void aLookupThatRacedWithARevocationIsNotRemembered() {
        ApiKeyCache cache = new ApiKeyCache(TTL, clock::get);
        // the lookup read the key before the revocation committed; the invalidation came while it ran
        Optional<ApiKeys.Holder> stale = cache.holder("h", () -> {
            cache.invalidate("h");
            return Optional.of(HOLDER);
        });
        assertEquals(Optional.of(HOLDER), stale);
        assertEquals(Optional.empty(), cache.holder("h", database(Optional.empty())));
        assertEquals(1, lookups.get());
    }

    @Test
    void aZeroTtlAsksEveryTime() {
        ApiKeyCache cache = new ApiKeyCache(0, clock::get);
        cache.holder("h", database(Optional.of(HOLDER)));
        cache.holder("h", database(Optional.of(HOLDER)));
        assertEquals(2, lookups.get());
        assertThrows(IllegalArgumentException.class, () -> new ApiKeyCache(-1, clock::get));
    }
}
