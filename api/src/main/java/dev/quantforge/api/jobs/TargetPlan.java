package dev.quantforge.api.jobs;

import dev.quantforge.common.jobs.Recipe;
import java.util.Objects;

/**
 * One target of a job, resolved: what to build and, when the target named a profile, which one.
 *
 * @param profile the hardware profile's name, or null for an explicit recipe
 */
public record TargetPlan(String profile, Recipe recipe) {
    public TargetPlan {
        Objects.requireNonNull(recipe, "recipe");
    }

    /** The variant's directory name under the job's results: unique within a job. */
    public String variant() {
        return recipe.variantName();
    }
}
