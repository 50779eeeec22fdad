package dev.quantforge.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import dev.quantforge.api.storage.SourceModels;
import dev.quantforge.api.tenants.Tenants;
import dev.quantforge.common.jobs.JobState;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public final class JobResource {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern KEY_SYNTAX = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final JobRequestParser parser;
    private final SourceModels sources;
    private final JobSubmitter submitter;
    private final IdempotencyKeys idempotencyKeys;
    private final JobQueries queries;
    private final JobCanceller canceller;
    private final ObjectMapper json;
    private final Tenants tenants;
    private final SecurityIdentity caller;

    public JobResource(JobRequestParser parser, SourceModels sources, JobSubmitter submitter,
            IdempotencyKeys idempotencyKeys, JobQueries queries, JobCanceller canceller, ObjectMapper json,
            Tenants tenants, SecurityIdentity caller) {
        this.tenants = tenants;
        this.caller = caller;
        this.parser = parser;
        this.sources = sources;
        this.submitter = submitter;
        this.idempotencyKeys = idempotencyKeys;
        this.queries = queries;
        this.canceller = canceller;
        this.json = json;
    }

    @POST
    @RolesAllowed(Scope.SUBMIT)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job: one source model, one task per target")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "JobRequest")))
    @APIResponse(responseCode = "202", description = "Accepted; Location names the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "200", description = "The job an earlier request with this Idempotency-Key created",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "Invalid request; errors names each invalid field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Idempotency-Key reused with a different request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "The source model or the evaluation text is not in object storage",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response submit(JsonNode body,
            @Parameter(description = "Makes retries safe: the same key with the same body returns the same job")
            @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey, UriInfo uri) {
        Optional<String> key = idempotencyKey(idempotencyKey);
        JobSubmission submission = parser.parse(body);
        String tenant = Callers.tenant(caller);
        // before anything is read from S3: a tenant learns nothing about objects outside its locations
        tenants.requireReadable(tenant, submission.source(), "source.uri");
        submission.evalText().ifPresent(text -> tenants.requireReadable(tenant, text, "evalText"));
        Optional<JobSubmitter.IdempotentRequest> idempotent =
                key.map(k -> new JobSubmitter.IdempotentRequest(k, RequestFingerprint.of(json, body)));
        if (idempotent.isPresent()) {
            Optional<IdempotencyKeys.Claim> earlier = idempotencyKeys.find(tenant, idempotent.get().key());
            if (earlier.isPresent()) {
                return replay(earlier.get(), idempotent.get(), uri);
            }
        }
        sources.requireExists(submission.source(), submission.sourceFormat());
        submission.evalText().ifPresent(sources::requireEvalText);
        JobSubmitter.Outcome outcome = submitter.submit(submission, tenant, idempotent);
        if (outcome instanceof JobSubmitter.AlreadyClaimed claimed) {
            return replay(claimed.claim(), idempotent.orElseThrow(), uri);
        }
        JobView job = ((JobSubmitter.Created) outcome).job();
        return Response.accepted(job).location(location(uri, job.id())).build();
    }

    private Response replay(IdempotencyKeys.Claim earlier, JobSubmitter.IdempotentRequest request, UriInfo uri) {
        if (!earlier.fingerprint().equals(request.fingerprint())) {
            throw new ProblemException(ProblemType.IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY + " '" + request.key()
                    + "' was used for a different request (job " + earlier.jobId() + ")");
        }
        JobView job = queries.find(earlier.jobId(), Callers.tenant(caller)).orElseThrow();
        return Response.ok(job).location(location(uri, job.id())).build();
    }

    private static Optional<String> idempotencyKey(String value) {
        if (value == null) {
            return Optional.empty();
        }
        if (!KEY_SYNTAX.matcher(value).matches()) {
            throw ProblemException.invalid(IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters");
        }
        return Optional.of(value);
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Operation(summary = "List jobs, newest first")
    public JobPage list(@Parameter(description = "Only jobs in this state") @RestQuery String state,
            @Parameter(description = "Only jobs with this label, as key=value; repeat for several")
            @RestQuery List<String> label,
            @Parameter(description = "Jobs per page, 1 to 100 (default 20)") @RestQuery String limit,
            @Parameter(description = "nextCursor of the previous page") @RestQuery String cursor) {
        List<FieldError> errors = new ArrayList<>();
        Optional<JobState> stateFilter = Optional.empty();
        if (state != null) {
            try {
                stateFilter = Optional.of(JobState.valueOf(state.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("state", "must be one of " + List.of(JobState.values())));
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : label == null ? List.<String>of() : label) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                errors.add(new FieldError("label", "'" + pair + "' must be key=value"));
            } else {
                labels.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        int pageSize = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                pageSize = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                pageSize = -1;
            }
            if (pageSize < 1 || pageSize > MAX_LIMIT) {
                errors.add(new FieldError("limit", "must be a whole number from 1 to " + MAX_LIMIT));
            }
        }
        Optional<JobCursor> after = cursor == null ? Optional.empty() : JobCursor.decode(cursor);
        if (cursor != null && after.isEmpty()) {
            errors.add(new FieldError("cursor", "is not a cursor this API returned"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return queries.list(new JobFilter(stateFilter, labels, pageSize, after), Callers.tenant(caller));
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Path("{id}")
    @Operation(summary = "A job with its tasks: state, progress, timings, results and failure reasons")
    public JobView get(@RestPath String id) {
        UUID jobId = JobIds.parse(id);
        return queries.find(jobId, Callers.tenant(caller)).orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND, "no job " + id));
    }

    @DELETE
    @RolesAllowed(Scope.SUBMIT)
    @Path("{id}")
    @Operation(summary = "Cancel a job: queued tasks never start, running tasks stop at their worker")
    @APIResponse(responseCode = "202", description = "Cancellation accepted; running tasks may still be stopping",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "409", description = "The job has already ended",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response cancel(@RestPath String id) {
        return Response.accepted(canceller.cancel(JobIds.parse(id), Callers.tenant(caller))).build();
    }

    private static URI location(UriInfo uri, UUID id) {
        return uri.getBaseUriBuilder().path("api/v1/jobs").path(id.toString()).build();
    }
}
