package dev.quantforge.api.auth;

import dev.quantforge.api.tenants.Tenants;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Gives an OIDC caller its tenant, from the token's {@code qf.oidc.tenant-claim}; its scopes are already its roles
 * ({@code qf.oidc.roles-claim}). A token without a configured tenant is refused: it could read nothing anyway. The
 * caller's requests count against the same rate limit as a key's, per issuer and subject.
 */
@ApplicationScoped
public class OidcTenantAugmentor implements SecurityIdentityAugmentor {

    private final Tenants tenants;
    private final RateLimiter limiter;
    private final String tenantClaim;

    public OidcTenantAugmentor(Tenants tenants, RateLimiter limiter, OidcConfig config) {
        this.tenants = tenants;
        this.limiter = limiter;
        this.tenantClaim = config.tenantClaim();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)
                || identity.getAttribute(Callers.TENANT) != null) {
            return Uni.createFrom().item(identity);
        }
        Object claim = token.getClaim(tenantClaim);
        String tenant = claim instanceof JsonString text ? text.getString() : claim == null ? null : claim.toString();
        if (tenant == null || !tenants.exists(tenant)) {
            return Uni.createFrom().failure(new AuthenticationFailedException(
                    "the token's '" + tenantClaim + "' claim names no configured tenant"));
        }
        try {
            limiter.acquire(new RateLimiter.OidcSubject(token.getIssuer(), token.getSubject()));
        } catch (RateLimitedException e) {
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(Callers.TENANT, tenant).build());
    }
}
