package dev.quantforge.api.auth;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Authentication on, OIDC on (the issuer comes from {@link KeycloakResource}), the realm's two tenants, a low rate
 * limit.
 */
public final class OidcProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "qf.auth.enabled", "true",
                "qf.oidc.enabled", "true",
                "qf.auth.rate-limit", "2",
                "qf.auth.rate-burst", "40",
                "qf.tenants.sources.acme", "s3://models/acme/",
                "qf.tenants.sources.globex", "s3://models/globex/");
    }
}
