package dev.quantforge.api.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller (an API key, or an OIDC token's issuer and subject), in this instance's memory:
 * {@code qf.auth.rate-limit} requests per second on average, {@code qf.auth.rate-burst} at once. With several
 * instances a caller gets the limit at each of them.
 */
@ApplicationScoped
public class RateLimiter {

    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<Object, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    public RateLimiter(AuthConfig config) {
        this(config.rateLimit(), config.rateBurst(), System::nanoTime);
    }

    RateLimiter(double perSecond, int burst, LongSupplier nanoTime) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("qf.auth.rate-limit must be above 0 and qf.auth.rate-burst at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** Takes one request from the key's bucket, or throws with the seconds until one is there. */
    public void acquire(UUID key) {
        take(key);
    }

    /** The same for a token's subject: one bucket per issuer and subject. */
    public void acquire(OidcSubject subject) {
        take(subject);
    }

    /** An OIDC caller, as the rate limit counts it. */
    public record OidcSubject(String issuer, String subject) {
    }

    private void take(Object caller) {
        long waitNanos = buckets.computeIfAbsent(caller, k -> new Bucket(burst, nanoTime.getAsLong())).take();
        if (waitNanos > 0) {
            throw new RateLimitedException(Math.max(1, (long) Math.ceil(waitNanos / 1e9)));
        }
    }

    private final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        /** 0 when a token was taken, else the nanoseconds until one is there. */
        synchronized long take() {
            long now = nanoTime.getAsLong();
            tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perSecond * 1e9);
        }
    }
}
