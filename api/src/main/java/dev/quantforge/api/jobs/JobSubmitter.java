package dev.quantforge.api.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.outbox.OutboxRecord;
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
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Stores a new job with its tasks and queues one TaskMessage per task, all in one transaction (shared with the
 * submits that arrive meanwhile).
 */
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

    private final SubmitGroupCommit groupCommit;
    private final ObjectMapper json;
    private final StorageConfig storage;
    private final KafkaConfig kafka;
    private final CatalogEvents catalogEvents;
    private final Tenants tenants;

    public JobSubmitter(SubmitGroupCommit groupCommit, ObjectMapper json, StorageConfig storage, KafkaConfig kafka,
            CatalogEvents catalogEvents, Tenants tenants) {
        this.groupCommit = groupCommit;
        this.json = json;
        this.storage = storage;
        this.kafka = kafka;
        this.catalogEvents = catalogEvents;
        this.tenants = tenants;
    }

    /**
     * Builds the job's rows, messages and event here, on the request's thread, then has them written with the
     * submits arriving meanwhile ({@link SubmitGroupCommit}); returns once they are committed.
     */
    public Outcome submit(JobSubmission submission, String tenant, Optional<IdempotentRequest> idempotent) {
        UUID jobId = UUID.randomUUID();
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
        List<Task> tasks = new ArrayList<>();
        List<OutboxRecord> messages = new ArrayList<>();
        ResultLayout layout = new ResultLayout(storage.resultsBucket());
        String topic = kafka.topics().tasks().name();
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
            tasks.add(task);
            // Keyed by task id, not job id: a partition is read by one worker at a time, so a job's
            // tasks spread over partitions are built in parallel.
            messages.add(new OutboxRecord(topic, task.id.toString(), toJson(new TaskMessage(task.id, jobId,
                    job.modelName, job.sourceUri, job.sourceFormat, task.variant, task.recipe, task.profile,
                    task.resultsPrefix, job.evalText, task.gates(), task.publish)), null));
        }
        return groupCommit.write(new PreparedJob(job, tasks, messages,
                catalogEvents.jobSubmittedAnnouncement(job, tasks), idempotent));
    }

    private String toJson(Object message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize " + message.getClass().getSimpleName(), e);
        }
    }
}
