package dev.quantforge.common.messages;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.quality.QualityGates;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A task as a worker receives it: everything needed to build one variant without asking the API.
 *
 * @param modelName     the model's name in result keys, already safe ({@link dev.quantforge.common.jobs.ResultLayout#safeName})
 * @param source        s3:// URI of the source model (a directory prefix for HF, a file for GGUF)
 * @param variant       the variant's name in result keys, e.g. Q4_K_M
 * @param resultsPrefix s3:// URI under which the variant's files go: {@code <bucket>/<model>/<job>/<variant>/}
 * @param profile       the hardware profile the task came from, or null for an explicit recipe
 * @param evalText      s3:// URI of the job's own evaluation text, or null for the bundled default
 * @param gates         the quality bar the variant must meet (never null; {@link QualityGates#NONE} for none)
 * @param publish       registries the variant is pushed to once it SUCCEEDED (never null; empty for none)
 */
public record TaskMessage(UUID taskId, UUID jobId, String modelName, String source, SourceFormat sourceFormat,
                          String variant, Recipe recipe, String profile, String resultsPrefix, String evalText,
                          QualityGates gates, List<PublishTarget> publish) {

    public TaskMessage {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sourceFormat, "sourceFormat");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(resultsPrefix, "resultsPrefix");
        gates = gates == null ? QualityGates.NONE : gates;
        publish = publish == null ? List.of() : List.copyOf(publish);
    }

    /** A task that is pushed nowhere. */
    public TaskMessage(UUID taskId, UUID jobId, String modelName, String source, SourceFormat sourceFormat,
                       String variant, Recipe recipe, String profile, String resultsPrefix, String evalText,
                       QualityGates gates) {
        this(taskId, jobId, modelName, source, sourceFormat, variant, recipe, profile, resultsPrefix, evalText, gates, List.of());
    }
}
