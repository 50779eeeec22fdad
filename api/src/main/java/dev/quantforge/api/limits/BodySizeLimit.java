package dev.quantforge.api.limits;

import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body larger than {@code qf.requests.max-body-bytes} by its Content-Length, before a byte of it is
 * read, with a 413 problem naming the body. A chunked body (no Content-Length) is bounded by Quarkus' own
 * {@code quarkus.http.limits.max-body-size}, set a little above, which answers a bare 413.
 */
public final class BodySizeLimit {

    private final long maxBytes;

    public BodySizeLimit(RequestLimitsConfig limits) {
        this.maxBytes = limits.maxBodyBytes();
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> refuseLargeBodies(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return Optional.empty();
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes <= maxBytes) {
            return Optional.empty();
        }
        ProblemType type = ProblemType.BODY_TOO_LARGE;
        Problem problem = new Problem(type.uri(), type.title(), type.status(), "the request body is " + length
                + " bytes; at most " + maxBytes + " are accepted", request.getUriInfo().getPath(),
                List.of(new FieldError("body", "is larger than " + maxBytes + " bytes")));
        return Optional.of(Response.status(type.status()).type(Problem.MEDIA_TYPE).entity(problem).build());
    }
}
