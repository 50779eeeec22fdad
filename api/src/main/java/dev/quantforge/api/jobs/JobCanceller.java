package dev.quantforge.api.jobs;

import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.events.JobChange;
import dev.quantforge.api.events.JobChanges;
import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.outbox.Outbox;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.CancelMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Cancels a job: its queued tasks end CANCELLED at once and will never start (the workers learn it
 * from a CancelMessage and skip them); running tasks end CANCELLED when their worker reports.
 */
@ApplicationScoped
public class JobCanceller {

    static final String CANCELLED_BEFORE_START = "the job was cancelled before this task started";

    private final Outbox outbox;
    private final JobChanges changes;
    private final KafkaConfig kafka;

    private final CatalogEvents catalogEvents;

    public JobCanceller(Outbox outbox, JobChanges changes, KafkaConfig kafka, CatalogEvents catalogEvents) {
        this.catalogEvents = catalogEvents;
        this.outbox = outbox;
        this.changes = changes;
        this.kafka = kafka;
    }

    @Transactional
    public JobView cancel(UUID jobId, String tenant) {
        // The row lock orders this against the event consumer updating the same job.
        Job job = Job.findById(jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null || !job.tenant.equals(tenant)) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no job " + jobId);
        }
        if (job.state.isTerminal()) {
            throw new ProblemException(ProblemType.JOB_FINISHED, "job " + jobId + " already ended "
                    + job.state + "; there is nothing to cancel");
        }
        List<Task> tasks = Task.ofJob(jobId);
        Instant now = Instant.now();
        if (!job.cancelRequested) {
            job.cancelRequested = true;
            for (Task task : tasks) {
                if (task.state == TaskState.QUEUED) {
                    task.state = TaskState.CANCELLED;
                    task.failureReason = CANCELLED_BEFORE_START;
                    task.finishedAt = now;
                }
            }
            outbox.add(kafka.topics().control().name(), jobId, new CancelMessage(jobId));
            job.updateFrom(tasks, now);
            if (job.state.isTerminal()) {
                // every task was still queued: the job ends here
                catalogEvents.jobCompleted(job, tasks);
            }
            changes.announce(new JobChange(jobId, null, JobChange.CANCEL_REQUESTED));
        }
        return JobView.of(job, tasks, now);
    }
}
