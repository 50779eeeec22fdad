package dev.quantforge.api.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API key a request carried, for {@link ApiKeyIdentityProvider}. */
final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String key;

    ApiKeyAuthenticationRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    /** Never the key: this may end up in a log. */
    @Override
    public String toString() {
        return "API key " + KeySecrets.shown(key) + "…";
    }
}
