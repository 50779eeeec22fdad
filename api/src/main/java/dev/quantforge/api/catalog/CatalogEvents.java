package dev.quantforge.api.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.api.registries.CatalogAnnouncement;
import dev.quantforge.api.registries.RegistryAdapter;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.quality.BenchmarkSummary;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Announces jobs and variants as CloudEvents 1.0 on the catalog topic, keyed by model name, in structured-mode JSON
 * ({@link StructuredCloudEvent}; Kafka header content-type application/cloudevents+json). Each event goes to every
 * {@link RegistryAdapter} in the transaction that made the change, so it goes out if and only if the change
 * committed: the catalog topic through the outbox ({@link CatalogTopic}), the webhooks subscribed to its type through
 * delivery rows. The data of each type is described by {@code docs/events/<type>.schema.json}.
 */
@ApplicationScoped
public class CatalogEvents {

    public static final String PREFIX = "dev.quantforge.";
    public static final String JOB_SUBMITTED = PREFIX + "job.submitted";
    public static final String JOB_COMPLETED = PREFIX + "job.completed";
    public static final String VARIANT_PUBLISHED = PREFIX + "variant.published";
    public static final String VARIANT_REJECTED = PREFIX + "variant.rejected";

    private final ObjectMapper json;
    private final Instance<RegistryAdapter> adapters;

    public CatalogEvents(ObjectMapper json, @Any Instance<RegistryAdapter> adapters) {
        this.json = json;
        this.adapters = adapters;
    }

    /**
     * A job.submitted event, built but not yet announced: the submit path builds it on the request's thread and
     * {@link #announceAll announces} it with its batch-mates in the batch's transaction.
     */
    public CatalogAnnouncement jobSubmittedAnnouncement(Job job, List<Task> tasks) {
        Map<String, Object> data = jobData(job);
        data.put("targets", tasks.stream().map(t -> {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("taskId", t.id.toString());
            target.put("variant", t.variant);
            target.put("profile", t.profile);
            target.put("format", t.recipe.format());
            target.put("ftype", t.recipe.ftype());
            return target;
        }).toList());
        return announcement(JOB_SUBMITTED, job, job.createdAt, data);
    }

    /** Announces events built beforehand to every adapter, in the caller's transaction. */
    public void announceAll(List<CatalogAnnouncement> announcements) {
        for (RegistryAdapter adapter : adapters) {
            adapter.announceAll(announcements);
        }
    }

    public void jobCompleted(Job job, List<Task> tasks) {
        Map<String, Object> data = jobData(job);
        data.put("state", job.state.name());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.REJECTED, TaskState.FAILED, TaskState.CANCELLED)) {
            counts.put(state.name().toLowerCase(Locale.ROOT), tasks.stream().filter(t -> t.state == state).count());
        }
        data.put("tasks", counts);
        data.put("finishedAt", job.finishedAt.toString());
        send(JOB_COMPLETED, job, job.finishedAt, data);
    }

    /** variant.published for a SUCCEEDED task, variant.rejected for a REJECTED one. */
    public void variantBuilt(Job job, Task task) {
        boolean rejected = task.state == TaskState.REJECTED;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", job.modelName);
        data.put("jobId", job.id.toString());
        data.put("taskId", task.id.toString());
        data.put("variant", task.variant);
        data.put("profile", task.profile);
        data.put("format", task.recipe.format());
        data.put("ftype", task.recipe.ftype());
        data.put("state", task.state.name());
        data.put("sourceUri", job.sourceUri);
        data.put("labels", job.labels);
        data.put("manifestUri", task.result.manifestUri());
        StoredFile model = CatalogRecorder.modelFile(task.result).orElse(null);
        data.put("modelUri", model == null ? null : model.uri());
        data.put("sha256", model == null ? null : model.sha256());
        data.put("modelBytes", task.result.modelBytes());
        data.put("bitsPerWeight", task.result.bitsPerWeight());
        BenchmarkSummary b = task.result.benchmark();
        data.put("perplexity", b == null ? null : b.perplexity());
        data.put("perplexityIncreasePercent", b == null ? null : b.perplexityIncreasePercent());
        data.put("meanKld", b == null ? null : b.meanKld());
        data.put("promptTokensPerSecond", b == null ? null : b.promptTokensPerSecond());
        data.put("generationTokensPerSecond", b == null ? null : b.generationTokensPerSecond());
        data.put("sourceObjects", task.result.sourceObjects());
        data.put("ociReferences", task.result.ociReferences());
        if (rejected) {
            data.put("reason", task.failureReason);
        }
        send(rejected ? VARIANT_REJECTED : VARIANT_PUBLISHED, job, task.finishedAt, data);
    }

    private static Map<String, Object> jobData(Job job) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("jobId", job.id.toString());
        data.put("name", job.name);
        data.put("model", job.modelName);
        data.put("source", Map.of("uri", job.sourceUri, "format", job.sourceFormat.name().toLowerCase(Locale.ROOT)));
        data.put("labels", job.labels);
        return data;
    }

    private void send(String type, Job job, Instant at, Map<String, Object> data) {
        CatalogAnnouncement announcement = announcement(type, job, at, data);
        // the same event, in the same transaction, for the catalog topic, the webhooks and any other adapter
        for (RegistryAdapter adapter : adapters) {
            adapter.announce(announcement);
        }
    }

    private CatalogAnnouncement announcement(String type, Job job, Instant at, Map<String, Object> data) {
        String id = UUID.randomUUID().toString();
        String serialized = new StructuredCloudEvent(id, "/api/v1/jobs/" + job.id, type, job.modelName, job.tenant,
                at == null ? Instant.now() : at, data).toJson(json);
        return new CatalogAnnouncement(id, type, job.tenant, job.modelName, serialized);
    }
}
