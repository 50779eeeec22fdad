package dev.quantforge.worker.publish;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.worker.build.PlanSummary;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code manifest.json}: what a variant is and how it was made. Written last, so its presence means
 * every file it lists was uploaded before it.
 *
 * @param files every file of the variant but the manifest itself, with size and SHA-256
 */
public record Manifest(int manifestVersion, UUID taskId, UUID jobId, String modelName, String variant,
                       Source source, Recipe recipe, String profile, String engineVersion, String worker,
                       Instant createdAt, String modelFile, List<FileEntry> files, PlanSummary plan, Timings timings) {

    public static final int VERSION = 1;
    public static final String FILE_NAME = "manifest.json";

    public Manifest {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(modelFile, "modelFile");
        files = List.copyOf(files);
    }

    public record Source(String uri, SourceFormat format) {
    }

    /** One stored file: its name under the variant's prefix, where it is, how big, its SHA-256 (hex). */
    public record FileEntry(String name, String uri, long bytes, String sha256) {
    }

    public record Timings(long downloadMillis, long convertMillis, long quantizeMillis, long uploadMillis, long totalMillis) {
    }

    public FileEntry model() {
        return files.stream().filter(f -> f.name().equals(modelFile)).findFirst()
                .orElseThrow(() -> new IllegalStateException("manifest of task " + taskId + " does not list its model file " + modelFile));
    }
}
