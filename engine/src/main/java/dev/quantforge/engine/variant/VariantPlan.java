package dev.quantforge.engine.variant;

import dev.quantforge.engine.plan.PlanTable;
import dev.quantforge.engine.plan.PlannedTensor;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a build will write: every tensor with its target type, in output order.
 *
 * @param fileTypeId the value of {@code general.file_type}, or empty when no single file type describes
 *                   the output (a uniform target)
 */
public record VariantPlan(Target target, List<PlannedTensor> tensors, OptionalInt fileTypeId) {

    public VariantPlan {
        Objects.requireNonNull(target, "target");
        tensors = List.copyOf(tensors);
        Objects.requireNonNull(fileTypeId, "fileTypeId");
    }

    /** Whether any tensor is written in a block-quantized type. */
    public boolean blockQuantized() {
        return tensors.stream().anyMatch(t -> t.targetType().isQuantized());
    }

    /** The per-tensor table and its totals, as {@code quantize --dry-run} prints them. */
    public String table() {
        String totals = PlanTable.totals(tensors);
        if (fileTypeId.isPresent()) {
            totals += String.format(Locale.ROOT, ", file type %s (general.file_type = %d)", target.name(),
                    fileTypeId.getAsInt());
        }
        return PlanTable.rows(tensors) + totals + '\n';
    }

    public PlanSummary summary() {
        return PlanSummary.of(this);
    }
}
