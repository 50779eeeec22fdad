package dev.quantforge.api.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.JobQueries;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Every job's changes as server-sent events, for live job lists (the dashboard's); not scoped to a tenant yet. */
@Path("/api/v1/jobs/events")
@Tag(name = "jobs")
public final class JobListEventsResource {

    private final JobQueries queries;
    private final JobChangeListener listener;
    private final ObjectMapper json;

    public JobListEventsResource(JobQueries queries, JobChangeListener listener, ObjectMapper json) {
        this.queries = queries;
        this.listener = listener;
        this.json = json;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(summary = "Server-sent events of every job: 'ready' once the stream follows the jobs (load the list"
            + " after it), then 'job' (the whole job, as GET /api/v1/jobs/{id} shows it) for each change of any job:"
            + " submitted, a task's progress or end, a cancel; 'resync' when changes may have been missed. The stream"
            + " does not end")
    public Multi<OutboundSseEvent> events(@Context Sse sse) {
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            JobListStream stream = new JobListStream(emitter, queries, sse, json);
            // follow first, then say so: a list loaded after 'ready' misses nothing
            Runnable unfollow = listener.followAll(stream::changed, stream::resync);
            emitter.onTermination(unfollow);
            stream.ready();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
