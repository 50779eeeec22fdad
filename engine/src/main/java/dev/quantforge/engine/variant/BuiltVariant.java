package dev.quantforge.engine.variant;

import dev.quantforge.engine.quantize.QuantizeResult;

import java.time.Duration;
import java.util.Objects;

/**
 * A variant written to disk.
 *
 * @param planning opening the plan: reading the source's tensor table and choosing every tensor's type
 * @param written  the file and its writing, which for a Hugging Face source includes converting it on the fly
 */
public record BuiltVariant(VariantPlan plan, QuantizeResult written, Duration planning) {
    public BuiltVariant {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(written, "written");
        Objects.requireNonNull(planning, "planning");
    }
}
