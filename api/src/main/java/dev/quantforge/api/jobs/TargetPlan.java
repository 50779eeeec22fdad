package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.quality.QualityGates;
import java.util.Objects;

/**
 * One target of a job, resolved: what to build, which profile asked for it, and the quality bar
 * the variant must meet.
 *
 * @param profile the hardware profile's name, or null for an explicit recipe
 * @param gates   the profile's gates, none for an explicit recipe, or the job's own when it set them
 */
public record TargetPlan(String profile, Recipe recipe, QualityGates gates) {
    public TargetPlan {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(gates, "gates");
    }

    /** The variant's directory name under the job's results: unique within a job. */
    public String variant() {
        return recipe.variantName();
    }

    public TargetPlan heldTo(QualityGates jobGates) {
        return new TargetPlan(profile, recipe, jobGates);
    }
}
