package dev.quantforge.api.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.quality.QualityGates;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What the catalog endpoints answer. */
public final class CatalogViews {

    private CatalogViews() {
    }

    /**
     * A model in the catalog: the variants built from sources of that name, over all jobs.
     *
     * @param variants        how many variants are listed (published, plus rejected ones when asked), after filters
     * @param rejected        how many of them are REJECTED (0 unless includeRejected)
     * @param formats         the variants' formats (gguf, mlx, ...)
     * @param profiles        the hardware profiles they were built for
     * @param latestPublishedAt when the newest of them was published
     */
    public record ModelSummary(String name, long variants, long rejected, List<String> formats, List<String> profiles,
                               Instant latestPublishedAt) {
    }

    /** @param nextCursor leads to the next page with {@code cursor=}; null on the last page */
    public record ModelPage(List<ModelSummary> models, String nextCursor) {
    }

    /** The machine a variant's profile is meant for; null for a variant built from an explicit recipe. */
    public record HardwareTarget(String os, String arch, String accelerator) {
    }

    /**
     * One built variant as the catalog lists it.
     *
     * @param id               the task that built it; names the variant unambiguously in the variant's URL
     * @param latest           true for the newest variant of its profile (of its variant name for an explicit recipe)
     * @param modelUri         the model file (the first file of a directory model such as MLX)
     * @param sha256           the model file's SHA-256
     * @param reason           why it was REJECTED (the figures over their gates); null when published
     * @param ociReferences    where it was pushed (registry/repository:tag@digest); empty when it was not
     */
    public record VariantSummary(UUID id, String model, String variant, String profile, String format, String ftype,
                                 HardwareTarget target, String state, boolean latest, long modelBytes,
                                 double bitsPerWeight, Double perplexity, Double perplexityIncreasePercent, Double meanKld,
                                 Double promptTokensPerSecond, Double generationTokensPerSecond, String sha256,
                                 String manifestUri, String modelUri, String resultsPrefix, UUID jobId,
                                 String sourceUri, Map<String, String> labels, String reason, Instant publishedAt,
                                 List<String> ociReferences) {
    }

    /**
     * A model's page: every variant across jobs, grouped by profile, each group newest first, the profile whose
     * newest variant is newest first.
     */
    public record ModelVariants(String name, List<VariantSummary> variants, int offset, Integer nextOffset) {
    }

    /** One stored file of a variant. */
    public record VariantFile(String name, String uri, long bytes, String sha256) {
    }

    /**
     * How a variant came to be: source → job → task → variant, and the engine that built it.
     *
     * @param engineVersion from the variant's manifest.json; null when it could not be read
     * @param engineCommit  likewise; ends in {@code -dirty} for an engine built from a changed tree
     */
    public record Lineage(Source source, Job job, TaskRef task, String variant, String engineVersion,
                          String engineCommit, String worker) {
        /**
         * @param etag    the S3 ETag of a GGUF source (one object); null for a Hugging Face prefix (see
         *                {@code objects}) or when the worker did not record it
         * @param sha256  likewise, the SHA-256 of its bytes as the worker streamed them
         * @param objects every object the worker read, with ETag and SHA-256
         */
        public record Source(String uri, String format, String etag, String sha256, List<SourceObject> objects) {
        }

        public record SourceObject(String uri, long bytes, String etag, String sha256) {
        }

        public record Job(UUID id, String name, Map<String, String> labels, Instant createdAt, Instant finishedAt,
                          String state) {
        }

        public record TaskRef(UUID id, int position, Instant startedAt, Instant finishedAt) {
        }
    }

    /**
     * A variant with everything about it.
     *
     * @param manifest      the variant's manifest.json as the worker wrote it; null (with manifestError) when object
     *                      storage could not give it
     * @param manifestError why the manifest is missing; null when it is there
     */
    public record VariantDetail(VariantSummary variant, List<VariantFile> files, QualityGates gates, Lineage lineage,
                                JsonNode manifest, String manifestError) {
    }
}
