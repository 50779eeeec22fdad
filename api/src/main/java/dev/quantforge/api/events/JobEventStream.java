package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.JobQueries;
import dev.quantforge.api.jobs.JobView;
import dev.quantforge.api.jobs.TaskView;
import dev.quantforge.common.jobs.JobState;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;

/**
 * One client's event stream of one job: first a {@code job} event with the whole job, then a
 * {@code task} event for each change to a task, and a last {@code job} event when the job ends,
 * after which the stream closes. Every event is read from the database when sent, so the stream
 * shows what GET /jobs/{id} would show at that moment.
 */
final class JobEventStream {

    /** A change to one task, with the job's state after it. */
    record TaskUpdate(UUID jobId, JobState jobState, String change, TaskView task) {
    }

    private final UUID jobId;
    private final MultiEmitter<? super OutboundSseEvent> emitter;
    private final JobQueries queries;
    private final Sse sse;
    private final ObjectMapper json;
    private boolean ended;

    JobEventStream(UUID jobId, MultiEmitter<? super OutboundSseEvent> emitter, JobQueries queries, Sse sse,
            ObjectMapper json) {
        this.jobId = jobId;
        this.emitter = emitter;
        this.queries = queries;
        this.sse = sse;
        this.json = json;
    }

    /** Sends the job as it is now; called once, after the stream follows the job's changes. */
    synchronized void start() {
        sendJob(queries.find(jobId));
    }

    /** Called on the listener's thread; waits for {@link #start} so the first event is the whole job. */
    synchronized void changed(JobChange change) {
        if (ended) {
            return;
        }
        Optional<JobView> job = queries.find(jobId);
        if (change.taskId() == null || job.isEmpty()) {
            sendJob(job);
            return;
        }
        job.get().tasks().stream().filter(t -> t.id().equals(change.taskId())).findFirst().ifPresent(task ->
                emitter.emit(event("task", new TaskUpdate(jobId, job.get().state(), change.what(), task))));
        if (job.get().state().isTerminal()) {
            sendJob(job);
        }
    }

    private void sendJob(Optional<JobView> job) {
        if (job.isEmpty()) {
            // deleted meanwhile
            end();
            return;
        }
        emitter.emit(event("job", job.get()));
        if (job.get().state().isTerminal()) {
            end();
        }
    }

    private void end() {
        ended = true;
        emitter.complete();
    }

    private OutboundSseEvent event(String name, Object data) {
        try {
            return sse.newEventBuilder().name(name).data(json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
