package dev.quantforge.api.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns an API key into a security identity: its scopes as roles, its tenant as an attribute. The operator key of
 * the configuration ({@code qf.auth.admin-key}) has the admin scope only. Every key is rate limited.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    /** The operator key's bucket in the rate limiter. */
    private static final UUID OPERATOR = new UUID(0, 0);

    private final ApiKeys keys;
    private final ApiKeyCache cache;
    private final RateLimiter limiter;
    private final Optional<String> operatorKeyHash;
    private final String defaultTenant;

    public ApiKeyIdentityProvider(ApiKeys keys, ApiKeyCache cache, RateLimiter limiter, AuthConfig config) {
        this.keys = keys;
        this.cache = cache;
        this.limiter = limiter;
        this.operatorKeyHash = config.adminKey().filter(k -> !k.isBlank()).map(KeySecrets::hash);
        this.defaultTenant = config.defaultTenant();
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        // the key lookup is a database query: off the event loop
        return context.runBlocking(() -> identity(request.key()));
    }

    private SecurityIdentity identity(String key) {
        String hash = KeySecrets.hash(key);
        if (operatorKeyHash.isPresent() && KeySecrets.sameHash(operatorKeyHash.get(), hash)) {
            limiter.acquire(OPERATOR);
            return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("operator"))
                    .addRole(Scope.ADMIN_NAME).addAttribute(Callers.TENANT, defaultTenant)
                    .addAttribute(Callers.KEY_ID, OPERATOR).build();
        }
        ApiKeys.Holder holder = cache.holder(hash, () -> keys.verify(key))
                .orElseThrow(() -> new AuthenticationFailedException("the API key is unknown or revoked"));
        limiter.acquire(holder.keyId());
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(holder.name()))
                .addRoles(Set.copyOf(holder.scopes())).addAttribute(Callers.TENANT, holder.tenant())
                .addAttribute(Callers.KEY_ID, holder.keyId()).build();
    }
}
