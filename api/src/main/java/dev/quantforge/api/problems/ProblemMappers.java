package dev.quantforge.api.problems;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.CharConversionException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure of a REST call into problem+json. Expected problems keep their detail;
 * anything unexpected is logged here with its stack trace and answered with a generic 500, so no
 * stack trace or internal message ever reaches a client.
 */
public final class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e.toProblem(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e, UriInfo uri) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        if (e instanceof StreamConstraintsException) {
            // a limit of qf.requests (nesting depth) rather than a syntax error
            return respond(ProblemException.invalid("body", "exceeds a limit" + where + ": "
                    + e.getOriginalMessage().replaceAll(" \\(from `StreamReadConstraints.*", "")).toProblem(uri.getPath()));
        }
        return respond(ProblemException.invalid("body", "is not valid JSON" + where).toProblem(uri.getPath()));
    }

    /** Jackson guesses a body's encoding from its first bytes; bytes it takes for UTF-32 fail with this I/O error. */
    @ServerExceptionMapper
    public Response undecodableBody(CharConversionException e, UriInfo uri) {
        return respond(ProblemException.invalid("body", "is not JSON in UTF-8").toProblem(uri.getPath()));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException json) {
            // the JSON reader reports a malformed body as a bare 400
            return malformedJson(json, uri);
        }
        if (e.getCause() instanceof CharConversionException undecodable) {
            return undecodableBody(undecodable, uri);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request " + uri.getPath() + " failed", e);
            return respond(internal(uri));
        }
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        if (family != Response.Status.Family.CLIENT_ERROR) {
            return e.getResponse();
        }
        String title = Response.Status.fromStatusCode(status) == null ? "Client error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        ProblemType type = status == 404 ? ProblemType.NOT_FOUND : null;
        return respond(new Problem(type == null ? "about:blank" : type.uri(), title, status,
                type == null ? title : "nothing at " + uri.getPath(), uri.getPath(), null));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        if (DatabaseOutage.isCause(e)) {
            // expected while PostgreSQL restarts: one line in the log, and the client is told when to retry
            LOG.warn("request " + uri.getPath() + " failed: the database is unavailable (" + DatabaseOutage.describe(e) + ")");
            ProblemType type = ProblemType.DATABASE_UNAVAILABLE;
            return Response.fromResponse(respond(new Problem(type.uri(), type.title(), type.status(),
                            "the database does not answer; retry in " + DatabaseOutage.RETRY_AFTER_SECONDS + " s",
                            uri.getPath(), null)))
                    .header(HttpHeaders.RETRY_AFTER, DatabaseOutage.RETRY_AFTER_SECONDS)
                    .build();
        }
        LOG.error("request " + uri.getPath() + " failed", e);
        return respond(internal(uri));
    }

    private static Problem internal(UriInfo uri) {
        ProblemType type = ProblemType.INTERNAL;
        return new Problem(type.uri(), type.title(), type.status(), "the server failed to handle the request",
                uri.getPath(), null);
    }

    private static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
