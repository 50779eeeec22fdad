package dev.quantforge.engine.variant;

import dev.quantforge.engine.plan.PlanRow;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a plan amounts to, for the manifest and the model card: how many tensors got each type, and
 * the tensors whose shape forced another type than the recipe asked for.
 *
 * @param fileType      the target's name, e.g. Q4_K_M
 * @param fileTypeId    the value of {@code general.file_type}; null when the output has none
 * @param bitsPerWeight bits of tensor data per weight over all tensors
 */
public record PlanSummary(String fileType, Integer fileTypeId, int tensors, long parameters, long tensorBytes,
                          double bitsPerWeight, Map<String, Integer> tensorsByType, List<Fallback> fallbacks) {

    /** A tensor kept at another type than the mixture asked for, and why. */
    public record Fallback(String tensor, String type, String reason) {
    }

    public PlanSummary {
        // sorted by type name, so manifests and cards list them in a stable order
        tensorsByType = Collections.unmodifiableMap(new TreeMap<>(tensorsByType));
        fallbacks = List.copyOf(fallbacks);
    }

    static PlanSummary of(VariantPlan plan) {
        Map<String, Integer> byType = new TreeMap<>();
        long parameters = 0;
        long bytes = 0;
        for (PlanRow t : plan.rows()) {
            byType.merge(t.targetTypeName(), 1, Integer::sum);
            parameters += t.elementCount();
            bytes += t.byteSize();
        }
        List<Fallback> fallbacks = plan.rows().stream().filter(t -> t.reason() != null)
                .map(t -> new Fallback(t.name(), t.targetTypeName(), t.reason())).toList();
        Integer fileTypeId = plan.fileTypeId().isPresent() ? plan.fileTypeId().getAsInt() : null;
        return new PlanSummary(plan.target().name(), fileTypeId, plan.rows().size(), parameters, bytes,
                parameters == 0 ? 0 : bytes * 8.0 / parameters, byType, fallbacks);
    }
}
