package dev.quantforge.worker.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent.SourceObject;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.engine.variant.PlanSummary;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code manifest.json}: what a variant is and how it was made. Written last, so its presence means
 * every file it lists was uploaded before it.
 *
 * @param engineCommit     the git commit the engine was built from ({@code -dirty} when built from a changed tree)
 * @param modelFile        the model's file name, or its directory's name when the model is a directory (MLX)
 * @param files            every file of the variant but the manifest itself, with size and SHA-256 (a model
 *                         directory's files each, named {@code modelFile/<file>})
 * @param benchmark        the full {@code benchmark.json}; null when the variant was not benchmarked
 * @param benchmarkSummary its headline figures, as the event and the API carry them; null likewise
 * @param benchmarkInputs  what the benchmark measured against; null likewise
 * @param gateFailures     the quality limits the variant did not meet (it is then stored under {@code rejected/});
 *                         empty when it passed
 */
public record Manifest(int manifestVersion, UUID taskId, UUID jobId, String modelName, String variant,
                       Source source, Recipe recipe, String profile, String engineVersion, String engineCommit, String worker,
                       Instant createdAt, String modelFile, List<FileEntry> files, PlanSummary plan, Timings timings,
                       JsonNode benchmark, BenchmarkSummary benchmarkSummary, BenchmarkInputs benchmarkInputs,
                       List<String> gateFailures) {

    /** 3: the source's objects with ETag and SHA-256. */
    public static final int VERSION = 3;
    public static final String FILE_NAME = "manifest.json";

    public Manifest {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(modelFile, "modelFile");
        files = List.copyOf(files);
        gateFailures = gateFailures == null ? List.of() : List.copyOf(gateFailures);
    }

    /**
     * @param objects each object read from the source, with its ETag and SHA-256 as downloaded (empty in manifests
     *                written before version 3)
     */
    public record Source(String uri, SourceFormat format, List<SourceObject> objects) {
        public Source {
            objects = objects == null ? List.of() : List.copyOf(objects);
        }
    }

    /** One stored file: its name under the variant's prefix, where it is, how big, its SHA-256 (hex). */
    public record FileEntry(String name, String uri, long bytes, String sha256) {
    }

    public record Timings(long downloadMillis, long convertMillis, long quantizeMillis, long benchmarkMillis,
                          long uploadMillis, long totalMillis) {
    }

    /**
     * @param evalText        the evaluation text's s3:// URI, or "bundled"
     * @param evalTextSha256  SHA-256 of its paragraphs joined by blank lines
     * @param referenceUri    where the source's reference logits are cached
     * @param referenceReused true when they came from that cache, false when this task computed them
     */
    public record BenchmarkInputs(String evalText, String evalTextSha256, String referenceUri, boolean referenceReused) {
    }

    /** This manifest with the card's entry, written after it, and the upload's time, known once it is done. */
    public Manifest withUpload(FileEntry card, long uploadMillis, long totalMillis) {
        List<FileEntry> all = new java.util.ArrayList<>(files);
        all.add(card);
        Timings t = timings;
        return new Manifest(manifestVersion, taskId, jobId, modelName, variant, source, recipe, profile, engineVersion,
                engineCommit, worker, createdAt, modelFile, all, plan, new Timings(t.downloadMillis(), t.convertMillis(),
                t.quantizeMillis(), t.benchmarkMillis(), uploadMillis, totalMillis), benchmark, benchmarkSummary,
                benchmarkInputs, gateFailures);
    }

    public boolean rejected() {
        return !gateFailures.isEmpty();
    }

    /** The model file of a one-file variant (GGUF); fails for a model directory (MLX), see {@link #modelFiles()}. */
    public FileEntry model() {
        return files.stream().filter(f -> f.name().equals(modelFile)).findFirst()
                .orElseThrow(() -> new IllegalStateException("manifest of task " + taskId + " does not list its model file " + modelFile));
    }

    /** Whether the model is a directory of files ({@code modelFile/...}), as an MLX variant is. */
    public boolean modelIsDirectory() {
        return files.stream().noneMatch(f -> f.name().equals(modelFile));
    }

    /** The model's files: the one model file, or every file under {@code modelFile/}. */
    public List<FileEntry> modelFiles() {
        return files.stream().filter(f -> f.name().equals(modelFile) || f.name().startsWith(modelFile + "/")).toList();
    }

    /** Bytes of the model: its file, or the sum of its directory's files. */
    public long modelBytes() {
        List<FileEntry> model = modelFiles();
        if (model.isEmpty()) {
            throw new IllegalStateException("manifest of task " + taskId + " lists no file of its model " + modelFile);
        }
        return model.stream().mapToLong(FileEntry::bytes).sum();
    }
}
