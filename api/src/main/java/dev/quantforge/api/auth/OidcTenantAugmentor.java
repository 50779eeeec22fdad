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
 * ({@code qf.oidc.roles-claim}). A token without a configured tenant is refused: it could read nothing anyway.
 */
@ApplicationScoped
public class OidcTenantAugmentor implements SecurityIdentityAugmentor {

    private final Tenants tenants;
    private final String tenantClaim;

    public OidcTenantAugmentor(Tenants tenants, OidcConfig config) {
        this.tenants = tenants;
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
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(Callers.TENANT, tenant).build());
    }
}
