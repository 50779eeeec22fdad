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
        String hash = KeySecrets.hash(request.key());
        // the operator key and a remembered key need no database: answered on the event loop, without a thread hop
        if (operatorKeyHash.isPresent() && KeySecrets.sameHash(operatorKeyHash.get(), hash)) {
            return Uni.createFrom().item(this::operator);
        }
        Optional<ApiKeys.Holder> remembered = cache.remembered(hash);
        if (remembered.isPresent()) {
            return Uni.createFrom().item(() -> identity(remembered.get()));
        }
        // the key lookup is a database query: off the event loop
        return context.runBlocking(() -> identity(cache.holder(hash, () -> keys.verify(hash))
                .orElseThrow(() -> new AuthenticationFailedException("the API key is unknown or revoked"))));
    }

    private SecurityIdentity operator() {
        limiter.acquire(OPERATOR);
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("operator"))
                .addRole(Scope.ADMIN_NAME).addAttribute(Callers.TENANT, defaultTenant)
                .addAttribute(Callers.KEY_ID, OPERATOR).addAttribute(Callers.OPERATOR, Boolean.TRUE).build();
    }

    private SecurityIdentity identity(ApiKeys.Holder holder) {
        limiter.acquire(holder.keyId());
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(holder.name()))
                .addRoles(Set.copyOf(holder.scopes())).addAttribute(Callers.TENANT, holder.tenant())
                .addAttribute(Callers.KEY_ID, holder.keyId()).build();
    }
}
