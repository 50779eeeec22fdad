package dev.quantforge.api.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the caller's credential: an API key in {@code Authorization: Bearer qf_…} or {@code X-API-Key}, or, on a
 * job's event stream only, a stream token in {@code ?token=}. A request without one is anonymous, which every API
 * endpoint refuses with 401. A bearer token that is not one of our keys is left to other mechanisms (OIDC).
 * With {@code qf.auth.enabled=false} every request is the default tenant with every scope.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    static final String API_KEY_HEADER = "X-API-Key";
    private static final String BEARER = "bearer ";
    private static final Pattern EVENTS = Pattern.compile("/api/v1/jobs/([^/]+)/events");
    private static final String JOB_LIST_EVENTS = "/api/v1/jobs/events";

    private final AuthConfig config;
    private final StreamTokens streamTokens;

    public ApiKeyAuthenticationMechanism(AuthConfig config, StreamTokens streamTokens) {
        this.config = config;
        this.streamTokens = streamTokens;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!config.enabled()) {
            return Uni.createFrom().item(unauthenticatedDevelopment());
        }
        Optional<String> key = key(context);
        if (key.isPresent()) {
            return identities.authenticate(new ApiKeyAuthenticationRequest(key.get()));
        }
        String token = context.request().getParam("token");
        Matcher events = EVENTS.matcher(context.normalizedPath());
        if (token != null && events.matches()) {
            return Uni.createFrom().item(() -> streamIdentity(token, events.group(1)));
        }
        if (token != null && context.normalizedPath().equals(JOB_LIST_EVENTS)) {
            return Uni.createFrom().item(() -> streamIdentity(token, StreamTokens.JOB_LIST));
        }
        return Uni.createFrom().optional(Optional.empty());
    }

    private static Optional<String> key(RoutingContext context) {
        String header = context.request().getHeader(API_KEY_HEADER);
        if (header != null && !header.isBlank()) {
            return Optional.of(header.strip());
        }
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String bearer = authorization.substring(BEARER.length()).strip();
            if (bearer.startsWith(KeySecrets.PREFIX)) {
                return Optional.of(bearer);
            }
        }
        return Optional.empty();
    }

    /** {@code stream}: a job's id from the path, or {@link StreamTokens#JOB_LIST}. */
    private SecurityIdentity streamIdentity(String token, String stream) {
        String tenant = streamTokens.verify(token, stream)
                .orElseThrow(() -> new AuthenticationFailedException("the stream token is invalid or expired"));
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("stream " + stream))
                .addRole(Scope.READ).addAttribute(Callers.TENANT, tenant)
                .build();
    }

    private SecurityIdentity unauthenticatedDevelopment() {
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("anonymous (qf.auth.enabled=false)"))
                .addRoles(Set.copyOf(Arrays.stream(Scope.values()).map(Scope::label).toList()))
                .addAttribute(Callers.TENANT, config.defaultTenant()).addAttribute(Callers.OPERATOR, Boolean.TRUE).build();
    }

    /** Before OIDC's mechanism, which would try to verify one of our keys as a JWT and fail the request. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
