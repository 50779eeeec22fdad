package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.PublishTarget;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A job request that passed validation: every target resolved to a recipe and its quality gates,
 * names normalized.
 *
 * @param modelName the source model's name, safe as one S3 key segment; the results go under it
 * @param name      the job's display name, the model name unless the client gave one
 * @param evalText  the job's own evaluation text (one UTF-8 object); absent for the workers' default
 * @param publish   registries every SUCCEEDED variant is pushed to, as the job gave them (tags resolved per variant
 *                  by {@link dev.quantforge.common.messages.PublishReference#forVariant})
 */
public record JobSubmission(S3Uri source, SourceFormat sourceFormat, String modelName, String name,
                            Map<String, String> labels, List<TargetPlan> targets, Optional<S3Uri> evalText,
                            List<PublishTarget> publish) {
    public JobSubmission {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sourceFormat, "sourceFormat");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(evalText, "evalText");
        labels = Map.copyOf(labels);
        targets = List.copyOf(targets);
        publish = publish == null ? List.of() : List.copyOf(publish);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a job needs at least one target");
        }
    }
}
