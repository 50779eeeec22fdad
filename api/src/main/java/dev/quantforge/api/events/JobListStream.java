package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.JobQueries;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * One client's stream of the changes of its tenant's jobs: a {@code ready} event once it follows them (load the list after it,
 * and nothing is missed), then a {@code job} event with the whole job, read from the database when sent, for each
 * change of any job (submitted, a task's progress or end, a cancel), and {@code resync} when changes may have been
 * missed (reload the list).
 */
final class JobListStream {

    private final MultiEmitter<? super OutboundSseEvent> emitter;
    private final JobQueries queries;
    private final String tenant;
    private final Sse sse;
    private final ObjectMapper json;

    JobListStream(MultiEmitter<? super OutboundSseEvent> emitter, JobQueries queries, String tenant, Sse sse,
            ObjectMapper json) {
        this.emitter = emitter;
        this.queries = queries;
        this.tenant = tenant;
        this.sse = sse;
        this.json = json;
    }

    void ready() {
        emitter.emit(event("ready", Map.of()));
    }

    /** Called on the listener's thread. */
    synchronized void changed(JobChange change) {
        if (!emitter.isCancelled()) {
            // another tenant's job reads as absent
            queries.find(change.jobId(), tenant).ifPresent(job -> emitter.emit(event("job", job)));
        }
    }

    synchronized void resync() {
        if (!emitter.isCancelled()) {
            emitter.emit(event("resync", Map.of()));
        }
    }

    private OutboundSseEvent event(String name, Object data) {
        try {
            return sse.newEventBuilder().name(name).data(json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
