package dev.quantforge.api.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Inserts new jobs and their tasks with plain JDBC, one statement batch per table (the driver rewrites each into
 * multi-row inserts, {@code reWriteBatchedInserts}). Rows that are only inserted need nothing of Hibernate's
 * persistence context; reading and updating them stays with the entities.
 */
@ApplicationScoped
class JobRows {

    private final ObjectMapper json;

    JobRows(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Claims an Idempotency-Key for a job about to be inserted in the same transaction: empty if claimed, else the
     * earlier claim (also one made earlier in the same batch). A concurrent claim of the key by another transaction
     * makes the insert wait until that one ends, so the earlier claim is always committed or the caller's own.
     */
    Optional<IdempotencyKeys.Claim> claim(Connection connection, String tenant, String key, String fingerprint,
            UUID jobId) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("insert into idempotency_keys (tenant, key,"
                + " request_fingerprint, job_id) values (?, ?, ?, ?) on conflict (tenant, key) do nothing")) {
            insert.setString(1, tenant);
            insert.setString(2, key);
            insert.setString(3, fingerprint);
            insert.setObject(4, jobId);
            if (insert.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        try (PreparedStatement select = connection.prepareStatement(
                "select job_id, request_fingerprint from idempotency_keys where tenant = ? and key = ?")) {
            select.setString(1, tenant);
            select.setString(2, key);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("Idempotency-Key '" + key + "' neither claimed nor found");
                }
                return Optional.of(new IdempotencyKeys.Claim(row.getObject(1, UUID.class), row.getString(2)));
            }
        }
    }

    void insert(Connection connection, List<PreparedJob> jobs) throws SQLException {
        if (jobs.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into jobs (id, tenant, name, model_name,"
                + " source_uri, source_format, eval_text, state, publish, labels, cancel_requested, created_at,"
                + " updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, false, ?, ?)")) {
            for (PreparedJob prepared : jobs) {
                Job job = prepared.job();
                insert.setObject(1, job.id);
                insert.setString(2, job.tenant);
                insert.setString(3, job.name);
                insert.setString(4, job.modelName);
                insert.setString(5, job.sourceUri);
                insert.setString(6, job.sourceFormat.name());
                insert.setString(7, job.evalText);
                insert.setString(8, job.state.name());
                insert.setString(9, toJson(job.publish));
                insert.setString(10, toJson(job.labels));
                insert.setObject(11, utc(job.createdAt));
                insert.setObject(12, utc(job.updatedAt));
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into tasks (id, job_id, tenant, position,"
                + " profile, variant, recipe, publish, results_prefix, state, progress, created_at, gate_max_mean_kld,"
                + " gate_max_perplexity_increase_percent, gate_min_same_top_percent)"
                + " values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, 0, ?, ?, ?, ?)")) {
            for (PreparedJob prepared : jobs) {
                for (Task task : prepared.tasks()) {
                    insert.setObject(1, task.id);
                    insert.setObject(2, task.jobId);
                    insert.setString(3, task.tenant);
                    insert.setInt(4, task.position);
                    insert.setString(5, task.profile);
                    insert.setString(6, task.variant);
                    insert.setString(7, toJson(task.recipe));
                    insert.setString(8, toJson(task.publish));
                    insert.setString(9, task.resultsPrefix);
                    insert.setString(10, task.state.name());
                    insert.setObject(11, utc(task.createdAt));
                    setDouble(insert, 12, task.gateMaxMeanKld);
                    setDouble(insert, 13, task.gateMaxPerplexityIncreasePercent);
                    setDouble(insert, 14, task.gateMinSameTopPercent);
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }

    private static void setDouble(PreparedStatement statement, int index, Double value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.DOUBLE);
        } else {
            statement.setDouble(index, value);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
