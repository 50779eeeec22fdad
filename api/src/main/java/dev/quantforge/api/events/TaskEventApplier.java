package dev.quantforge.api.events;

import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.catalog.CatalogRecorder;
import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.api.metrics.JobMetrics;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Applies a worker's task event to the database exactly once: the event id goes into
 * processed_events in the same transaction as the change, so a redelivered event finds its id
 * there and changes nothing.
 */
@ApplicationScoped
public class TaskEventApplier {

    /** What became of an event. */
    public enum Outcome {
        APPLIED,
        /** Applied before (Kafka redelivered it). */
        DUPLICATE,
        /** Would move a finished task, or is older than what was applied. */
        IGNORED,
        /** Names a task this API does not know (another installation's, or a deleted job's). */
        UNKNOWN_TASK
    }

    private final EntityManager em;
    private final JobChanges changes;
    private final JobMetrics metrics;
    private final CatalogRecorder catalog;
    private final CatalogEvents announcements;

    public TaskEventApplier(EntityManager em, JobChanges changes, JobMetrics metrics, CatalogRecorder catalog,
            CatalogEvents announcements) {
        this.announcements = announcements;
        this.em = em;
        this.changes = changes;
        this.metrics = metrics;
        this.catalog = catalog;
    }

    @Transactional
    public Outcome apply(TaskEvent event) {
        int first = em.createNativeQuery("insert into processed_events (event_id, task_id, job_id, type)"
                        + " values (:event, :task, :job, :type) on conflict (event_id) do nothing")
                .setParameter("event", event.eventId())
                .setParameter("task", event.taskId())
                .setParameter("job", event.jobId())
                .setParameter("type", event.type().name())
                .executeUpdate();
        if (first == 0) {
            return Outcome.DUPLICATE;
        }
        // Locking the job serializes this with a concurrent cancel of the same job.
        Job job = Job.findById(event.jobId(), LockModeType.PESSIMISTIC_WRITE);
        Task task = job == null ? null : Task.findById(event.taskId());
        if (task == null || !task.jobId.equals(job.id)) {
            return Outcome.UNKNOWN_TASK;
        }
        Optional<TaskState> next = TaskTransitions.next(task.state, event, task.lastEventAt);
        if (next.isEmpty()) {
            return Outcome.IGNORED;
        }
        Instant now = Instant.now();
        task.state = next.get();
        task.lastEventAt = task.lastEventAt == null || event.at().isAfter(task.lastEventAt) ? event.at()
                : task.lastEventAt;
        if (event.worker() != null) {
            task.worker = event.worker();
        }
        if (task.startedAt == null) {
            task.startedAt = event.at();
        }
        if (task.state.isTerminal()) {
            task.finishedAt = event.at();
            task.failureReason = event.reason();
            task.result = event.result();
            if (task.state == TaskState.SUCCEEDED) {
                task.progress = 100;
            }
            metrics.taskFinished(task.state, Duration.between(task.startedAt, task.finishedAt));
        } else {
            task.progress = event.progress();
        }
        List<Task> tasks = Task.ofJob(job.id);
        boolean wasTerminal = job.state.isTerminal();
        job.updateFrom(tasks, now);
        if (task.state.isTerminal()) {
            // a built variant (SUCCEEDED or REJECTED) joins the catalog and is announced in this transaction
            em.flush();
            if (catalog.record(job, task, task.finishedAt)) {
                announcements.variantBuilt(job, task);
            }
        }
        if (!wasTerminal && job.state.isTerminal()) {
            announcements.jobCompleted(job, tasks);
        }
        changes.announce(new JobChange(job.id, task.id, event.type().name()));
        return Outcome.APPLIED;
    }
}
