package dev.quantforge.api.auth;

import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemType;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * 401, 403 and 429 as problem+json. Authentication is lazy ({@code quarkus.http.auth.proactive=false}) so that its
 * failures reach these mappers instead of ending as bare status codes. The details never repeat a credential.
 */
public final class AuthProblems {

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return challenge(uri, "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
        String detail = e.getMessage() == null || e.getMessage().isBlank() ? "the credential was not accepted"
                : e.getMessage();
        return challenge(uri, detail);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return Response.status(403).type(Problem.MEDIA_TYPE).entity(problem(ProblemType.FORBIDDEN,
                "the caller's scopes do not allow this (jobs:submit, jobs:read, admin)", uri)).build();
    }

    @ServerExceptionMapper
    public Response rateLimited(RateLimitedException e, UriInfo uri) {
        return Response.status(429).type(Problem.MEDIA_TYPE).header("Retry-After", e.retryAfterSeconds())
                .entity(problem(ProblemType.RATE_LIMITED, "this API key made more requests than its rate limit allows;"
                        + " retry after " + e.retryAfterSeconds() + " s", uri)).build();
    }

    private static Response challenge(UriInfo uri, String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(problem(ProblemType.UNAUTHORIZED, detail, uri)).build();
    }

    private static Problem problem(ProblemType type, String detail, UriInfo uri) {
        return new Problem(type.uri(), type.title(), type.status(), detail, uri.getPath(), null);
    }
}
