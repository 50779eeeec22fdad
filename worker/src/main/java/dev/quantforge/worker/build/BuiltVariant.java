package dev.quantforge.worker.build;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A variant file built on local disk.
 *
 * @param convertMillis opening the source and planning (a Hugging Face checkpoint is converted on the fly
 *                      while it is quantized, so most of its conversion counts as quantizing)
 */
public record BuiltVariant(Path file, long fileBytes, PlanSummary plan, long convertMillis, long quantizeMillis) {
    public BuiltVariant {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(plan, "plan");
    }
}
