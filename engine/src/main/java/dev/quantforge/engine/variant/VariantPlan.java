package dev.quantforge.engine.variant;

import dev.quantforge.engine.plan.PlanRow;
import dev.quantforge.engine.plan.PlanTable;
import dev.quantforge.engine.plan.PlannedTensor;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a build will write: every tensor with its target type, in output order. GGUF's rows are
 * {@link PlannedTensor}s (ggml types); other formats bring their own {@link PlanRow}.
 *
 * @param fileTypeId the value of {@code general.file_type}, or empty when no single file type describes
 *                   the output (a uniform target)
 */
public record VariantPlan(Target target, List<? extends PlanRow> rows, OptionalInt fileTypeId) {

    public VariantPlan {
        Objects.requireNonNull(target, "target");
        rows = List.copyOf(rows);
        Objects.requireNonNull(fileTypeId, "fileTypeId");
    }

    /** The rows of a plan in ggml types (GGUF's); fails for a format whose tensors are not ggml types. */
    public List<PlannedTensor> tensors() {
        return rows.stream().map(r -> {
            if (r instanceof PlannedTensor t) {
                return t;
            }
            throw new IllegalStateException(target.name() + ": the plan's tensors are not ggml types");
        }).toList();
    }

    /** Whether any tensor is written in a block- or group-quantized type. */
    public boolean blockQuantized() {
        return rows.stream().anyMatch(PlanRow::quantized);
    }

    /** The per-tensor table and its totals, as {@code quantize --dry-run} prints them. */
    public String table() {
        String totals = PlanTable.totals(rows);
        if (fileTypeId.isPresent()) {
            totals += String.format(Locale.ROOT, ", file type %s (general.file_type = %d)", target.name(),
                    fileTypeId.getAsInt());
        }
        return PlanTable.rows(rows) + totals + '\n';
    }

    public PlanSummary summary() {
        return PlanSummary.of(this);
    }
}
