package dev.quantforge.api.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.auth.StreamTokens;
import dev.quantforge.api.jobs.JobQueries;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The changes of every job of the caller's tenant as server-sent events, for live job lists (the dashboard's). */
@Path("/api/v1/jobs/events")
@Tag(name = "jobs")
public final class JobListEventsResource {

    private final JobQueries queries;
    private final JobChangeListener listener;
    private final ObjectMapper json;
    private final StreamTokens streamTokens;
    private final SecurityIdentity caller;

    public JobListEventsResource(JobQueries queries, JobChangeListener listener, ObjectMapper json,
            StreamTokens streamTokens, SecurityIdentity caller) {
        this.queries = queries;
        this.listener = listener;
        this.json = json;
        this.streamTokens = streamTokens;
        this.caller = caller;
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(summary = "Server-sent events of every job of the caller's tenant: 'ready' once the stream follows the jobs (load the list"
            + " after it), then 'job' (the whole job, as GET /api/v1/jobs/{id} shows it) for each change of any job:"
            + " submitted, a task's progress or end, a cancel; 'resync' when changes may have been missed. The stream"
            + " does not end")
    public Multi<OutboundSseEvent> events(@Context Sse sse) {
        String tenant = Callers.tenant(caller);
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            JobListStream stream = new JobListStream(emitter, queries, tenant, sse, json);
            // follow first, then say so: a list loaded after 'ready' misses nothing
            Runnable unfollow = listener.followAll(stream::changed, stream::resync);
            emitter.onTermination(unfollow);
            stream.ready();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @POST
    @Path("tokens")
    @RolesAllowed(Scope.READ)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A short-lived token for this stream, for clients that cannot send headers (a browser's"
            + " EventSource): GET the stream with ?token=")
    public StreamTokens.Issued token() {
        return streamTokens.issue(StreamTokens.JOB_LIST, Callers.tenant(caller));
    }
}
