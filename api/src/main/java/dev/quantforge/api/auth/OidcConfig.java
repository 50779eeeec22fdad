package dev.quantforge.api.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * {@code qf.oidc.*}: bearer tokens of an OpenID Connect provider, beside the API keys. Copied to quarkus-oidc's
 * settings in application.properties; the tenant claim is read here.
 */
@ConfigMapping(prefix = "qf.oidc")
public interface OidcConfig {

    /** Accept the provider's access tokens. */
    @WithDefault("false")
    boolean enabled();

    /** The provider's issuer URL, e.g. {@code https://keycloak.example.com/realms/quantforge}. */
    Optional<String> issuer();

    /** The API's client id at the provider. */
    @WithDefault("quantforge-api")
    String clientId();

    /** Where in the token the scopes (jobs:submit, jobs:read, admin) are, as roles: a claim path. */
    @WithDefault("realm_access/roles")
    String rolesClaim();

    /** The claim naming the caller's tenant; it must be a configured tenant. */
    @WithDefault("tenant")
    String tenantClaim();
}
