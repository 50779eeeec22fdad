package dev.quantforge.api.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.catalog.CatalogViews.HardwareTarget;
import dev.quantforge.api.catalog.CatalogViews.Lineage;
import dev.quantforge.api.catalog.CatalogViews.ModelPage;
import dev.quantforge.api.catalog.CatalogViews.ModelSummary;
import dev.quantforge.api.catalog.CatalogViews.ModelVariants;
import dev.quantforge.api.catalog.CatalogViews.VariantSummary;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The catalog's reads: one SQL statement each over {@code catalog_variants}, served by its indexes (no per-row
 * queries, no object storage).
 */
@ApplicationScoped
public class CatalogQueries {

    /** Groups a model's variants: by profile, or by variant name for an explicit recipe. */
    private static final String GROUP = "coalesce(profile, '#' || variant)";

    private final DataSource db;
    private final ObjectMapper json;

    public CatalogQueries(DataSource db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    public ModelPage models(String tenant, CatalogFilter filter, int limit, Optional<String> afterName) {
        StringBuilder sql = new StringBuilder("select model_name, count(*),"
                + " count(*) filter (where state = 'REJECTED'),"
                + " string_agg(distinct format, ',' order by format),"
                + " string_agg(distinct profile, ',' order by profile), max(published_at)"
                + " from catalog_variants where tenant = ?");
        List<Object> args = new ArrayList<>(List.of(tenant));
        where(filter, sql, args);
        afterName.ifPresent(n -> {
            sql.append(" and model_name > ?");
            args.add(n);
        });
        sql.append(" group by model_name order by model_name limit ?");
        args.add(limit + 1);
        List<ModelSummary> models = query(sql.toString(), args, rs -> new ModelSummary(rs.getString(1), rs.getLong(2),
                rs.getLong(3), split(rs.getString(4)), split(rs.getString(5)), rs.getTimestamp(6).toInstant()));
        boolean more = models.size() > limit;
        List<ModelSummary> page = more ? models.subList(0, limit) : models;
        return new ModelPage(page, more ? encodeCursor(page.get(page.size() - 1).name()) : null);
    }

    /** A model's variants, or empty when the catalog has no variant of that model at all (rejected included). */
    public Optional<ModelVariants> model(String tenant, String name, CatalogFilter filter, int limit, int offset) {
        StringBuilder sql = new StringBuilder("select *, row_number() over (partition by " + GROUP
                + " order by published_at desc, task_id) = 1 as latest, max(published_at) over (partition by " + GROUP
                + ") as group_newest from catalog_variants where tenant = ? and model_name = ?");
        List<Object> args = new ArrayList<>(List.of(tenant, name));
        where(filter, sql, args);
        sql.append(" order by group_newest desc, " + GROUP + ", published_at desc, task_id limit ? offset ?");
        args.add(limit + 1);
        args.add(offset);
        List<VariantSummary> rows = query(sql.toString(), args, this::variant);
        if (rows.isEmpty() && !exists(tenant, name)) {
            return Optional.empty();
        }
        boolean more = rows.size() > limit;
        return Optional.of(new ModelVariants(name, more ? rows.subList(0, limit) : rows, offset,
                more ? offset + limit : null));
    }

    /**
     * One variant of a model: by its id (the task's), or by variant name, the newest of that name (of one job when
     * {@code jobId} is given); REJECTED ones only when {@code includeRejected}.
     */
    public Optional<VariantSummary> variant(String tenant, String model, String variantOrId, Optional<UUID> jobId,
            boolean includeRejected) {
        Optional<UUID> id = uuid(variantOrId);
        StringBuilder sql = new StringBuilder(
                "select *, true as latest from catalog_variants where tenant = ? and model_name = ?");
        List<Object> args = new ArrayList<>(List.of(tenant, model));
        if (id.isPresent()) {
            sql.append(" and task_id = ?");
            args.add(id.get());
        } else {
            sql.append(" and variant = ?");
            args.add(variantOrId);
        }
        jobId.ifPresent(j -> {
            sql.append(" and job_id = ?");
            args.add(j);
        });
        if (!includeRejected) {
            sql.append(" and state = 'SUCCEEDED'");
        }
        sql.append(" order by published_at desc, task_id limit 1");
        List<VariantSummary> found = query(sql.toString(), args, this::variant);
        return found.stream().findFirst();
    }

    private boolean exists(String tenant, String name) {
        return !query("select 1 from catalog_variants where tenant = ? and model_name = ? limit 1", List.of(tenant, name),
                rs -> 1).isEmpty();
    }

    private void where(CatalogFilter filter, StringBuilder sql, List<Object> args) {
        if (!filter.includeRejected()) {
            sql.append(" and state = 'SUCCEEDED'");
        }
        filter.name().ifPresent(n -> {
            sql.append(" and strpos(lower(model_name), lower(?)) > 0");
            args.add(n);
        });
        filter.format().ifPresent(f -> {
            sql.append(" and format = ?");
            args.add(f);
        });
        filter.profile().ifPresent(p -> {
            sql.append(" and profile = ?");
            args.add(p);
        });
        filter.target().ifPresent(t -> {
            sql.append(" and ? in (target_os, target_arch, target_accelerator)");
            args.add(t);
        });
        if (!filter.labels().isEmpty()) {
            sql.append(" and labels @> cast(? as jsonb)");
            args.add(toJson(filter.labels()));
        }
    }

    private VariantSummary variant(ResultSet rs) throws SQLException {
        String os = rs.getString("target_os");
        String arch = rs.getString("target_arch");
        String accelerator = rs.getString("target_accelerator");
        HardwareTarget target = os == null && arch == null && accelerator == null ? null
                : new HardwareTarget(os, arch, accelerator);
        return new VariantSummary(rs.getObject("task_id", UUID.class), rs.getString("model_name"),
                rs.getString("variant"), rs.getString("profile"), rs.getString("format"), rs.getString("ftype"), target,
                rs.getString("state"), rs.getBoolean("latest"), rs.getLong("model_bytes"),
                rs.getDouble("bits_per_weight"), nullable(rs, "perplexity"), nullable(rs, "perplexity_increase_percent"),
                nullable(rs, "mean_kld"), nullable(rs, "prompt_tokens_per_second"),
                nullable(rs, "generation_tokens_per_second"), rs.getString("sha256"), rs.getString("manifest_uri"),
                rs.getString("model_uri"), rs.getString("results_prefix"), rs.getObject("job_id", UUID.class),
                rs.getString("source_uri"), labels(rs.getString("labels")), rs.getString("reason"),
                rs.getTimestamp("published_at").toInstant(), strings(rs.getString("oci_references")));
    }

    /** The source objects a variant was built from, as its worker read them; empty when none were recorded. */
    public List<Lineage.SourceObject> sourceObjects(UUID variantId) {
        return query("select source_objects from catalog_variants where task_id = ?", List.of(variantId),
                rs -> read(rs.getString(1), new TypeReference<List<Lineage.SourceObject>>() { }))
                .stream().findFirst().orElse(List.of());
    }

    private List<String> strings(String text) {
        return read(text, new TypeReference<List<String>>() { });
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Double nullable(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, List<Object> args, Row<T> row) {
        try (Connection connection = db.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                Object arg = args.get(i);
                statement.setObject(i + 1, arg instanceof java.time.Instant at ? Timestamp.from(at) : arg);
            }
            try (ResultSet rs = statement.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("catalog query failed: " + e.getMessage(), e);
        }
    }

    private static List<String> split(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split(","));
    }

    private Map<String, String> labels(String text) {
        try {
            return text == null ? Map.of() : json.readValue(text, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String toJson(Map<String, String> labels) {
        try {
            return json.writeValueAsString(labels);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<UUID> uuid(String text) {
        try {
            return text.length() == 36 ? Optional.of(UUID.fromString(text)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String encodeCursor(String name) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }

    static Optional<String> decodeCursor(String cursor) {
        try {
            return Optional.of(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
