package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.quality.QualityGates;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One target of a job: the variant a worker builds, and what the workers reported about it. */
@Entity
@Table(name = "tasks")
public class Task extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "job_id", nullable = false)
    public UUID jobId;

    /** Its job's tenant. */
    @Column(nullable = false)
    public String tenant;

    /** The target's index in the request, so tasks list in the order they were asked for. */
    @Column(nullable = false)
    public int position;

    public String profile;

    @Column(nullable = false)
    public String variant;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Recipe recipe;

    /** Where this task's variant is pushed: the job's publish targets with the tag resolved for the variant. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<PublishTarget> publish = List.of();

    @Column(name = "results_prefix", nullable = false)
    public String resultsPrefix;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public TaskState state;

    @Column(nullable = false)
    public int progress;

    public String worker;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** When the last applied event happened, by the worker's clock: older progress reports are stale. */
    @Column(name = "last_event_at")
    public Instant lastEventAt;

    @Column(name = "failure_reason")
    public String failureReason;

    /** The built variant, with its benchmark figures (null until it is built). */
    @JdbcTypeCode(SqlTypes.JSON)
    public VariantResult result;

    // The quality gates the variant is held to, one column per limit (null = no limit).
    @Column(name = "gate_max_mean_kld")
    public Double gateMaxMeanKld;

    @Column(name = "gate_max_perplexity_increase_percent")
    public Double gateMaxPerplexityIncreasePercent;

    @Column(name = "gate_min_same_top_percent")
    public Double gateMinSameTopPercent;

    public QualityGates gates() {
        return new QualityGates(gateMaxMeanKld, gateMaxPerplexityIncreasePercent, gateMinSameTopPercent);
    }

    public void holdTo(QualityGates gates) {
        gateMaxMeanKld = gates.maxMeanKld();
        gateMaxPerplexityIncreasePercent = gates.maxPerplexityIncreasePercent();
        gateMinSameTopPercent = gates.minSameTopPercent();
    }

    public static List<Task> ofJob(UUID jobId) {
        return list("jobId = ?1 order by position", jobId);
    }
}
