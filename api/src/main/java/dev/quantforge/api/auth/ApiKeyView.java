package dev.quantforge.api.auth;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A key as lists show it: never the key, only its first characters ({@code prefix}). */
public record ApiKeyView(UUID id, String name, String tenant, List<String> scopes, String prefix, Instant createdAt,
        Instant revokedAt) {

    static ApiKeyView of(ApiKey key) {
        return new ApiKeyView(key.id, key.name, key.tenant, List.copyOf(key.scopes), key.keyPrefix, key.createdAt,
                key.revokedAt);
    }
}
