package dev.quantforge.api.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived tokens for an event stream: one job's, or the tenant's list of jobs ({@link #JOB_LIST}). A browser's
 * EventSource cannot send an Authorization header, and a key in a URL ends up in proxies' logs and the browser's
 * history; so the dashboard asks for a token (with its key, in a header) and opens the stream with {@code ?token=}.
 * A token is {@code <stream>.<tenant>.<expiry>.<hmac>}: it reads that one stream, for that tenant, until it expires,
 * and nothing else.
 */
@ApplicationScoped
public class StreamTokens {

    /** The stream of every job of the tenant, {@code /api/v1/jobs/events}. */
    public static final String JOB_LIST = "jobs";

    /** A token and when it stops working. */
    public record Issued(String token, Instant expiresAt) {
    }

    private final byte[] secret;
    private final Duration expiry;
    private final Clock clock;

    @Inject
    public StreamTokens(AuthConfig config) {
        this(config.streamTokenSecret().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElseGet(StreamTokens::random),
                config.streamTokenExpiry(), Clock.systemUTC());
    }

    StreamTokens(byte[] secret, Duration expiry, Clock clock) {
        this.secret = secret.clone();
        this.expiry = expiry;
        this.clock = clock;
    }

    /** A token for one job's stream (its id) or for {@link #JOB_LIST}. */
    public Issued issue(String stream, String tenant) {
        Instant expiresAt = clock.instant().plus(expiry);
        String claims = stream + "." + encode(tenant) + "." + expiresAt.getEpochSecond();
        return new Issued(claims + "." + sign(claims), expiresAt);
    }

    /** The tenant of a valid, unexpired token for {@code stream}. */
    public Optional<String> verify(String token, String stream) {
        int lastDot = token.lastIndexOf('.');
        if (lastDot < 0) {
            return Optional.empty();
        }
        String claims = token.substring(0, lastDot);
        if (!MessageDigest.isEqual(sign(claims).getBytes(StandardCharsets.US_ASCII),
                token.substring(lastDot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        String[] parts = claims.split("\\.");
        if (parts.length != 3 || !parts[0].equals(stream)) {
            return Optional.empty();
        }
        try {
            if (clock.instant().getEpochSecond() > Long.parseLong(parts[2])) {
                return Optional.empty();
            }
            return Optional.of(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String sign(String claims) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    mac.doFinal(claims.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static String encode(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
