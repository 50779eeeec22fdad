package dev.quantforge.api.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.auth.StreamTokens;
import dev.quantforge.api.jobs.JobIds;
import dev.quantforge.api.jobs.JobQueries;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;

@Path("/api/v1/jobs/{id}/events")
public final class JobEventsResource {

    private final JobQueries queries;
    private final JobChangeListener listener;
    private final ObjectMapper json;
    private final StreamTokens streamTokens;
    private final SecurityIdentity caller;

    public JobEventsResource(JobQueries queries, JobChangeListener listener, ObjectMapper json,
            StreamTokens streamTokens, SecurityIdentity caller) {
        this.streamTokens = streamTokens;
        this.caller = caller;
        this.queries = queries;
        this.listener = listener;
        this.json = json;
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(summary = "Server-sent events of a job: 'job' (the whole job) first and last, 'task' for each task"
            + " change (progress, state, result); the stream ends when the job does")
    public Multi<OutboundSseEvent> events(@RestPath String id, @Context Sse sse) {
        UUID jobId = JobIds.parse(id);
        if (queries.find(jobId, Callers.tenant(caller)).isEmpty()) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no job " + id);
        }
        // start() reads the database, so the subscription must not run on the IO thread
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            JobEventStream stream = new JobEventStream(jobId, emitter, queries, sse, json);
            // Follow first, then read: a change in between is sent after the first event, not lost.
            Runnable unfollow = listener.follow(jobId, stream::changed);
            emitter.onTermination(unfollow);
            stream.start();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @POST
    @Path("tokens")
    @RolesAllowed(Scope.READ)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A short-lived token for this job's event stream, for clients that cannot send headers"
            + " (a browser's EventSource): GET the stream with ?token=")
    public StreamTokens.Issued token(@RestPath String id) {
        UUID jobId = JobIds.parse(id);
        String tenant = Callers.tenant(caller);
        if (queries.find(jobId, tenant).isEmpty()) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no job " + id);
        }
        return streamTokens.issue(jobId.toString(), tenant);
    }
}
