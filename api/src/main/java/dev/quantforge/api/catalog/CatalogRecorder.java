package dev.quantforge.api.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent.StoredFile;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Adds a built variant to the catalog, in the transaction that applies its task's final event: a SUCCEEDED or
 * REJECTED task with a result becomes one {@code catalog_variants} row.
 */
@ApplicationScoped
public class CatalogRecorder {

    private final EntityManager em;
    private final HardwareProfiles profiles;
    private final ObjectMapper json;

    public CatalogRecorder(EntityManager em, HardwareProfiles profiles, ObjectMapper json) {
        this.em = em;
        this.profiles = profiles;
        this.json = json;
    }

    /** True if the task's variant went into the catalog (it was built: SUCCEEDED or REJECTED). */
    public boolean record(Job job, Task task, Instant publishedAt) {
        if ((task.state != TaskState.SUCCEEDED && task.state != TaskState.REJECTED) || task.result == null) {
            return false;
        }
        VariantResult result = task.result;
        BenchmarkSummary figures = result.benchmark();
        Optional<StoredFile> model = modelFile(result);
        HardwareProfile.Target target = task.profile == null ? null
                : profiles.find(task.profile).map(HardwareProfile::target).orElse(null);
        em.createNativeQuery("insert into catalog_variants (tenant, task_id, job_id, model_name, variant, profile, format, ftype,"
                        + " target_os, target_arch, target_accelerator, state, reason, source_uri, labels, results_prefix,"
                        + " manifest_uri, model_uri, sha256, model_bytes, bits_per_weight, perplexity,"
                        + " perplexity_increase_percent, mean_kld, prompt_tokens_per_second, generation_tokens_per_second,"
                        + " published_at, source_objects, oci_references) values (:tenant, :task, :job, :model, :variant,"
                        + " :profile, :format, :ftype, :os, :arch, :accelerator, :state, :reason, :source,"
                        + " cast(:labels as jsonb), :prefix, :manifest, :modelUri, :sha256, :bytes, :bpw, :ppl, :dppl, :kld,"
                        + " :pp, :tg, :at, cast(:sourceObjects as jsonb), cast(:ociReferences as jsonb))"
                        + " on conflict (task_id) do nothing")
                .setParameter("tenant", job.tenant)
                .setParameter("task", task.id)
                .setParameter("job", job.id)
                .setParameter("model", job.modelName)
                .setParameter("variant", task.variant)
                .setParameter("profile", task.profile)
                .setParameter("format", task.recipe.format())
                .setParameter("ftype", task.recipe.ftype())
                .setParameter("os", target == null ? null : target.os())
                .setParameter("arch", target == null ? null : target.arch())
                .setParameter("accelerator", target == null ? null : target.accelerator())
                .setParameter("state", task.state.name())
                .setParameter("reason", task.state == TaskState.REJECTED ? task.failureReason : null)
                .setParameter("source", job.sourceUri)
                .setParameter("labels", labels(job))
                .setParameter("prefix", task.resultsPrefix)
                .setParameter("manifest", result.manifestUri())
                .setParameter("modelUri", model.map(StoredFile::uri).orElse(null))
                .setParameter("sha256", model.map(StoredFile::sha256).orElse(null))
                .setParameter("bytes", result.modelBytes())
                .setParameter("bpw", result.bitsPerWeight())
                .setParameter("ppl", figures == null ? null : figures.perplexity())
                .setParameter("dppl", figures == null ? null : figures.perplexityIncreasePercent())
                .setParameter("kld", figures == null ? null : figures.meanKld())
                .setParameter("pp", figures == null ? null : figures.promptTokensPerSecond())
                .setParameter("tg", figures == null ? null : figures.generationTokensPerSecond())
                .setParameter("at", publishedAt)
                .setParameter("sourceObjects", toJson(result.sourceObjects()))
                .setParameter("ociReferences", toJson(result.ociReferences()))
                .executeUpdate();
        return true;
    }

    /** The variant's model file: the first file that is not its manifest, card or benchmark. */
    static Optional<StoredFile> modelFile(VariantResult result) {
        return result.files().stream().filter(f -> !CatalogFiles.isMetadata(f.uri())).findFirst();
    }

    private String labels(Job job) {
        return toJson(job.labels == null ? java.util.Map.of() : job.labels);
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
