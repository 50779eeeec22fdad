package dev.quantforge.api.auth;

import io.quarkus.security.identity.SecurityIdentity;
import java.util.Optional;

/** What the API reads from a caller's security identity besides its roles (the scopes). */
public final class Callers {

    /** The attribute holding the caller's tenant. */
    public static final String TENANT = "quantforge.tenant";
    /** Set on the operator's identity (and every caller's when authentication is off): it manages every tenant. */
    static final String OPERATOR = "quantforge.operator";
    /** The attribute holding the id of the caller's API key, for the rate limit. */
    static final String KEY_ID = "quantforge.key-id";
    /** Set on a stream token's identity: the one job whose events it may read. */

    private Callers() {
    }

    /** The tenant every row the caller reads or writes belongs to. */
    public static String tenant(SecurityIdentity identity) {
        String tenant = identity.getAttribute(TENANT);
        if (tenant == null) {
            // a secured endpoint is only reached with an identity this API built, and each has a tenant
            throw new IllegalStateException("the caller has no tenant");
        }
        return tenant;
    }

    /**
     * The tenant whose keys an {@code admin} caller manages: its own, or none for the operator, who manages every
     * tenant's.
     */
    public static Optional<String> administeredTenant(SecurityIdentity identity) {
        return Boolean.TRUE.equals(identity.getAttribute(OPERATOR)) ? Optional.empty() : Optional.of(tenant(identity));
    }
}
