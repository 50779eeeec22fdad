package dev.quantforge.api.jobs;

import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.events.JobChange;
import dev.quantforge.api.events.JobChanges;
import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.outbox.Outbox;
import dev.quantforge.api.storage.StorageConfig;
import dev.quantforge.api.tenants.Tenants;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.ResultLayout;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.PublishReference;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Stores a new job with its tasks and queues one TaskMessage per task, all in one transaction. */
@ApplicationScoped
public class JobSubmitter {

    /** What a submission led to. */
    public sealed interface Outcome {
    }

    public record Created(JobView job) implements Outcome {
    }

    /** The Idempotency-Key was already claimed, by a request with this fingerprint. */
    public record AlreadyClaimed(IdempotencyKeys.Claim claim) implements Outcome {
    }

    /** An Idempotency-Key and the fingerprint of the request that carries it. */
    public record IdempotentRequest(String key, String fingerprint) {
    }

    private final Outbox outbox;
    private final IdempotencyKeys idempotencyKeys;
    private final StorageConfig storage;
    private final KafkaConfig kafka;

    private final CatalogEvents catalogEvents;
    private final JobChanges changes;
    private final Tenants tenants;

    public JobSubmitter(Outbox outbox, IdempotencyKeys idempotencyKeys, StorageConfig storage, KafkaConfig kafka,
            CatalogEvents catalogEvents, JobChanges changes, Tenants tenants) {
        this.catalogEvents = catalogEvents;
        this.changes = changes;
        this.tenants = tenants;
        this.outbox = outbox;
        this.idempotencyKeys = idempotencyKeys;
        this.storage = storage;
        this.kafka = kafka;
    }

    @Transactional
    public Outcome submit(JobSubmission submission, String tenant, Optional<IdempotentRequest> idempotent) {
        UUID jobId = UUID.randomUUID();
        if (idempotent.isPresent()) {
            Optional<IdempotencyKeys.Claim> earlier = idempotencyKeys.claim(tenant, idempotent.get().key(),
                    idempotent.get().fingerprint(), jobId);
            if (earlier.isPresent()) {
                return new AlreadyClaimed(earlier.get());
            }
        }
        // PostgreSQL keeps microseconds: truncate so that list cursors match stored times exactly.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Job job = new Job();
        job.id = jobId;
        job.tenant = tenant;
        job.name = submission.name();
        job.modelName = submission.modelName();
        job.sourceUri = submission.source().toString();
        job.sourceFormat = submission.sourceFormat();
        job.evalText = submission.evalText().map(S3Uri::toString).orElse(null);
        job.state = JobState.QUEUED;
        job.labels = submission.labels();
        job.publish = submission.publish();
        job.createdAt = now;
        job.updatedAt = now;
        job.persist();
        List<Task> tasks = new ArrayList<>();
        ResultLayout layout = new ResultLayout(storage.resultsBucket());
        for (int position = 0; position < submission.targets().size(); position++) {
            TargetPlan target = submission.targets().get(position);
            Task task = new Task();
            task.id = UUID.randomUUID();
            task.jobId = jobId;
            task.tenant = tenant;
            task.position = position;
            task.profile = target.profile();
            task.variant = target.variant();
            task.recipe = target.recipe();
            task.holdTo(target.gates());
            boolean severalVariants = submission.targets().size() > 1;
            task.publish = submission.publish().stream().map(p -> new PublishTarget(
                    PublishReference.parse(p.oci()).forVariant(target.variant(), severalVariants), p.format())).toList();
            task.resultsPrefix = layout.variantPrefix(tenants.resultsPrefix(tenant), submission.modelName(), jobId,
                    target.variant()).toString();
            task.state = TaskState.QUEUED;
            task.createdAt = now;
            task.persist();
            tasks.add(task);
            // Keyed by task id, not job id: a partition is read by one worker at a time, so a job's
            // tasks spread over partitions are built in parallel.
            outbox.add(kafka.topics().tasks().name(), task.id, new TaskMessage(task.id, jobId, job.modelName, job.sourceUri,
                    job.sourceFormat, task.variant, task.recipe, task.profile, task.resultsPrefix, job.evalText,
                    task.gates(), task.publish));
        }
        catalogEvents.jobSubmitted(job, tasks);
        // for the stream of every job's changes (the dashboard's job list)
        changes.announce(new JobChange(jobId, null, JobChange.SUBMITTED));
        return new Created(JobView.of(job, tasks, now));
    }
}
