package dev.quantforge.api.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.catalog.CatalogViews.Lineage;
import dev.quantforge.api.catalog.CatalogViews.VariantDetail;
import dev.quantforge.api.catalog.CatalogViews.VariantFile;
import dev.quantforge.api.catalog.CatalogViews.VariantSummary;
import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.http.Method;
import io.minio.GetPresignedObjectUrlArgs;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A variant's full record: its catalog row, its task's files and gates from the database, and its manifest.json
 * from object storage (the one read that needs S3: engine version and commit, the plan, the full benchmark).
 */
@ApplicationScoped
public class VariantDetails {

    private final MinioClient s3;
    private final ObjectMapper json;
    private final CatalogConfig config;
    private final CatalogQueries queries;

    public VariantDetails(MinioClient s3, ObjectMapper json, CatalogConfig config, CatalogQueries queries) {
        this.s3 = s3;
        this.json = json;
        this.config = config;
        this.queries = queries;
    }

    @Transactional
    public VariantDetail of(VariantSummary variant) {
        Task task = Task.findById(variant.id());
        Job job = Job.findById(variant.jobId());
        List<VariantFile> files = files(task);
        JsonNode manifest = null;
        String manifestError = null;
        if (variant.manifestUri() == null) {
            manifestError = "the worker reported no manifest";
        } else {
            try {
                manifest = read(variant.manifestUri());
            } catch (Exception e) {
                manifestError = "cannot read " + variant.manifestUri() + ": " + e.getMessage();
            }
        }
        List<Lineage.SourceObject> objects = queries.sourceObjects(variant.id());
        // a GGUF source is one object, the source itself; a prefix's objects are listed one by one
        Lineage.SourceObject single = job.sourceFormat == SourceFormat.GGUF && objects.size() == 1 ? objects.get(0)
                : null;
        Lineage lineage = new Lineage(
                new Lineage.Source(job.sourceUri, job.sourceFormat.name().toLowerCase(Locale.ROOT),
                        single == null ? null : single.etag(), single == null ? null : single.sha256(), objects),
                new Lineage.Job(job.id, job.name, job.labels, job.createdAt, job.finishedAt, job.state.name()),
                new Lineage.TaskRef(task.id, task.position, task.startedAt, task.finishedAt),
                task.variant, text(manifest, "engineVersion"), text(manifest, "engineCommit"), task.worker);
        return new VariantDetail(variant, files, task.gates(), lineage, manifest, manifestError);
    }

    /** The task's files by name under the variant's directory (where its manifest is). */
    private static List<VariantFile> files(Task task) {
        if (task.result == null) {
            return List.of();
        }
        String manifest = task.result.manifestUri();
        String prefix = manifest == null ? task.resultsPrefix : manifest.substring(0, manifest.lastIndexOf('/') + 1);
        return task.result.files().stream()
                .map(f -> new VariantFile(CatalogFiles.nameUnder(prefix, f.uri()), f.uri(), f.bytes(), f.sha256()))
                .toList();
    }

    /** A presigned GET of one of the variant's files: the model file, or the one named. */
    @Transactional
    public Optional<String> downloadUrl(VariantSummary variant, Optional<String> fileName) throws Exception {
        Optional<VariantFile> file = files(Task.findById(variant.id())).stream()
                .filter(f -> fileName.map(n -> n.equals(f.name())).orElse(!CatalogFiles.isMetadata(f.uri())))
                .findFirst();
        if (file.isEmpty()) {
            return Optional.empty();
        }
        S3Uri uri = S3Uri.parse(file.get().uri());
        return Optional.of(s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET)
                .bucket(uri.bucket()).object(uri.key())
                .expiry((int) config.downloadExpiry().toSeconds()).build()));
    }

    private JsonNode read(String uri) throws Exception {
        S3Uri location = S3Uri.parse(uri);
        try (GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(location.bucket())
                .object(location.key()).build())) {
            return json.readTree(in);
        }
    }

    private static String text(JsonNode node, String... path) {
        JsonNode at = node;
        for (String field : path) {
            if (at == null) {
                return null;
            }
            at = at.get(field);
        }
        return at == null || at.isNull() ? null : at.asText();
    }
}
