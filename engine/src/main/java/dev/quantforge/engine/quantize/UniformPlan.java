package dev.quantforge.engine.quantize;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.List;

/**
 * The plan of {@code quantize --uniform}: every 2-D tensor whose row length is a multiple of the
 * type's block size becomes that type, every other tensor is copied as it is. No skip list, no
 * fallback, no mixture: exactly how ggml's golden reference files were made.
 */
public final class UniformPlan {
    private UniformPlan() {
    }

    public static List<TensorJob> jobs(ModelSource model, GgmlType type, ImportanceMatrix imatrix) {
        return model.tensors().stream().map(t -> job(t, type, imatrix)).toList();
    }

    private static TensorJob job(TensorSource tensor, GgmlType type, ImportanceMatrix imatrix) {
        boolean eligible = Shapes.dimensions(tensor.shape()) == 2 && tensor.rowLength() % type.blockSize() == 0;
        if (!eligible) {
            return new TensorJob(tensor, tensor.type(), null);
        }
        float[] weights = imatrix == null ? null : imatrix.weightsFor(tensor.name(), tensor.rowLength()).orElse(null);
        return new TensorJob(tensor, type, weights);
    }
}
