package dev.quantforge.api.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code qf.auth.*}: who may call the API. */
@ConfigMapping(prefix = "qf.auth")
public interface AuthConfig {

    /**
     * Require a key (or, with OIDC, a token) on every API call. Off, every caller is the {@link #defaultTenant()}
     * with every scope: for tests and a developer's own machine only.
     */
    @WithDefault("true")
    boolean enabled();

    /** The tenant of every caller when authentication is off. */
    @WithDefault("default")
    String defaultTenant();

    /**
     * An operator key given in the configuration (a secret: an environment variable or a mounted file), with the
     * {@code admin} scope and no tenant of its own: it creates the first keys. Compared by its SHA-256 hash.
     */
    Optional<String> adminKey();

    /** Requests per second one key may make, on average; more are answered 429 with Retry-After. */
    @WithDefault("50")
    double rateLimit();

    /** Requests a key may make at once above the average (the bucket's size). */
    @WithDefault("100")
    int rateBurst();

    /**
     * How long a valid key's holder is remembered ({@link ApiKeyCache}) instead of looked up per request; 0 looks up
     * every time. A key revoked at another API instance keeps working here for at most this long.
     */
    @WithDefault("5s")
    Duration keyCacheTtl();

    /** How long a stream token (for EventSource, which cannot send headers) is valid. */
    @WithDefault("60s")
    Duration streamTokenExpiry();

    /**
     * The HMAC key stream tokens are signed with; several API instances behind one address need the same one.
     * Without it each instance draws a random key at start.
     */
    Optional<String> streamTokenSecret();
}
