package dev.quantforge.common.messages;

import dev.quantforge.common.quality.BenchmarkSummary;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a worker reports about a task. The API applies an event once per id, even when Kafka delivers it twice.
 * STARTED and PROGRESS events have ids of their own; a terminal event's id is named by what it reports (task,
 * outcome, reason, result), so a task delivered again after it ended (its partition moved to another worker
 * before the offset was committed) and reported from its published manifest repeats the same event, which the
 * API then ignores, while an outcome that differs (a push that failed the first time and succeeded now) is
 * applied.
 *
 * @param progress percent done, 0 to 100 (PROGRESS and STARTED)
 * @param reason   why a task failed, was rejected or cancelled; null otherwise
 * @param result   the variant built (SUCCEEDED, REJECTED); null otherwise
 */
public record TaskEvent(UUID eventId, UUID taskId, UUID jobId, Type type, Instant at, String worker, int progress,
                        String reason, VariantResult result) {

    public enum Type {
        STARTED, PROGRESS, SUCCEEDED, FAILED, REJECTED, CANCELLED
    }

    public TaskEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        if (progress < 0 || progress > 100) {
            throw new IllegalArgumentException("progress must be 0..100, got " + progress);
        }
    }

    public static TaskEvent started(TaskMessage task, String worker, Instant at) {
        return of(task, Type.STARTED, worker, at, 0, null, null);
    }

    public static TaskEvent progress(TaskMessage task, String worker, Instant at, int percent) {
        return of(task, Type.PROGRESS, worker, at, percent, null, null);
    }

    public static TaskEvent succeeded(TaskMessage task, String worker, Instant at, VariantResult result) {
        return of(task, Type.SUCCEEDED, worker, at, 100, null, Objects.requireNonNull(result, "result"));
    }

    public static TaskEvent rejected(TaskMessage task, String worker, Instant at, String reason, VariantResult result) {
        return of(task, Type.REJECTED, worker, at, 100, Objects.requireNonNull(reason, "reason"),
                Objects.requireNonNull(result, "result"));
    }

    public static TaskEvent failed(TaskMessage task, String worker, Instant at, String reason) {
        return of(task, Type.FAILED, worker, at, 0, Objects.requireNonNull(reason, "reason"), null);
    }

    public static TaskEvent cancelled(TaskMessage task, String worker, Instant at, String reason) {
        return of(task, Type.CANCELLED, worker, at, 0, Objects.requireNonNull(reason, "reason"), null);
    }

    /** A new event about {@code task}. */
    private static TaskEvent of(TaskMessage task, Type type, String worker, Instant at, int progress, String reason,
                                VariantResult result) {
        UUID id = type == Type.STARTED || type == Type.PROGRESS ? UUID.randomUUID()
                : UUID.nameUUIDFromBytes((task.taskId() + " " + type + " " + reason + " " + result)
                        .getBytes(StandardCharsets.UTF_8));
        return new TaskEvent(id, task.taskId(), task.jobId(), type, at, worker, progress, reason, result);
    }

    /** One file of a variant in object storage. */
    public record StoredFile(String uri, long bytes, String sha256) {
    }

    /**
     * One object of a task's source as the worker read it: its S3 ETag (empty when the store gave none) and the
     * SHA-256 (hex) of the bytes it streamed, computed while downloading.
     */
    public record SourceObject(String uri, long bytes, String etag, String sha256) {
        public SourceObject {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(sha256, "sha256");
            etag = etag == null ? "" : etag;
        }
    }

    /**
     * A built variant: its files (model, manifest, card, benchmark), size, timings and benchmark figures
     * ({@code benchmark} null when the variant was not benchmarked).
     *
     * @param sourceObjects the source objects it was built from (empty from workers that did not record them)
     * @param ociReferences where it was pushed, each {@code registry/repository:tag@sha256:...}; empty when the job
     *                      publishes nowhere (and for a REJECTED variant, which is never pushed)
     */
    public record VariantResult(String manifestUri, List<StoredFile> files, long modelBytes, double bitsPerWeight,
                                long parameters, long convertMillis, long quantizeMillis, long benchmarkMillis,
                                long totalMillis, BenchmarkSummary benchmark, List<SourceObject> sourceObjects,
                                List<String> ociReferences) {
        public VariantResult {
            files = List.copyOf(files);
            // results from before lineage and pushes were recorded have neither
            sourceObjects = sourceObjects == null ? List.of() : List.copyOf(sourceObjects);
            ociReferences = ociReferences == null ? List.of() : List.copyOf(ociReferences);
        }

        /** This result with the references the variant was pushed to, known after the push stage. */
        public VariantResult withOciReferences(List<String> references) {
            return new VariantResult(manifestUri, files, modelBytes, bitsPerWeight, parameters, convertMillis,
                    quantizeMillis, benchmarkMillis, totalMillis, benchmark, sourceObjects, references);
        }
    }
}
