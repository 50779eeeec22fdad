package dev.quantforge.engine.quantize;

import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Turns a plan into the work of writing it: each planned tensor with its source and importance weights. */
public final class TensorJobs {
    private TensorJobs() {
    }

    /** Jobs in plan order; a tensor that changes type gets its importance weights when the matrix has them. */
    public static List<TensorJob> of(ModelSource model, List<PlannedTensor> plan, ImportanceMatrix imatrix) {
        Map<String, TensorSource> byName = model.tensors().stream()
                .collect(Collectors.toMap(TensorSource::name, Function.identity()));
        return plan.stream().map(p -> {
            TensorSource source = byName.get(p.name());
            if (source == null) {
                throw new IllegalArgumentException("the plan names " + p.name() + ", which " + model.description() + " lacks");
            }
            float[] weights = imatrix == null || p.isCopied() ? null
                    : imatrix.weightsFor(p.name(), source.rowLength()).orElse(null);
            return new TensorJob(source, p.targetType(), weights);
        }).toList();
    }
}
