package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.PublishTarget;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A conversion job: one source model and the tasks that build its variants. */
@Entity
@Table(name = "jobs")
public class Job extends PanacheEntityBase {

    @Id
    public UUID id;

    /** The tenant that submitted it; only that tenant's callers see it. */
    @Column(nullable = false)
    public String tenant;

    @Column(nullable = false)
    public String name;

    @Column(name = "model_name", nullable = false)
    public String modelName;

    @Column(name = "source_uri", nullable = false)
    public String sourceUri;

    @Enumerated(EnumType.STRING)
    @Column(name = "source_format", nullable = false)
    public SourceFormat sourceFormat;

    /** s3:// URI of the job's own evaluation text; null for the text the workers ship with. */
    @Column(name = "eval_text")
    public String evalText;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public JobState state;

    /** Registries every SUCCEEDED variant is pushed to, as the request gave them; empty for none. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<PublishTarget> publish = List.of();

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> labels;

    @Column(name = "cancel_requested", nullable = false)
    public boolean cancelRequested;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** Brings state and timings in line with the tasks after one of them changed. */
    public void updateFrom(List<Task> tasks, Instant now) {
        state = JobStates.derive(tasks.stream().map(t -> t.state).toList(), cancelRequested);
        startedAt = tasks.stream().map(t -> t.startedAt).filter(Objects::nonNull).min(Comparator.naturalOrder())
                .orElse(startedAt);
        if (state.isTerminal() && finishedAt == null) {
            finishedAt = now;
        }
        updatedAt = now;
    }
}
