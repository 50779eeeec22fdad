package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The llama-quantize settings that change which type a tensor gets.
 *
 * @param pure               {@code --pure}: every quantizable tensor gets the file type's default type
 * @param outputTensorType   {@code --output-tensor-type}, or null
 * @param tokenEmbeddingType {@code --token-embedding-type}, or null
 * @param leaveOutputTensor  {@code --leave-output-tensor}: {@code output.weight} keeps its type
 * @param overrides          {@code --tensor-type} in the order given; when several match a tensor the first one wins, as in llama-quantize
 * @param imatrixTensors     names of the tensors the importance matrix has weights for; empty when there is no matrix
 */
public record QuantizeOptions(boolean pure, GgmlType outputTensorType, GgmlType tokenEmbeddingType,
                              boolean leaveOutputTensor, List<TensorTypeOverride> overrides, Set<String> imatrixTensors) {

    public QuantizeOptions {
        overrides = List.copyOf(Objects.requireNonNull(overrides, "overrides"));
        imatrixTensors = Set.copyOf(Objects.requireNonNull(imatrixTensors, "imatrixTensors"));
        requireStorable("--output-tensor-type", outputTensorType);
        requireStorable("--token-embedding-type", tokenEmbeddingType);
        for (TensorTypeOverride o : overrides) {
            requireStorable("--tensor-type " + o, o.type());
        }
    }

    public static QuantizeOptions defaults() {
        return new QuantizeOptions(false, null, null, false, List.of(), Set.of());
    }

    /** An importance matrix was given, which changes some mixture rules (llama.cpp's has_imatrix). */
    public boolean hasImatrix() {
        return !imatrixTensors.isEmpty();
    }

    public QuantizeOptions withPure(boolean value) {
        return new QuantizeOptions(value, outputTensorType, tokenEmbeddingType, leaveOutputTensor, overrides, imatrixTensors);
    }

    public QuantizeOptions withOutputTensorType(GgmlType value) {
        return new QuantizeOptions(pure, value, tokenEmbeddingType, leaveOutputTensor, overrides, imatrixTensors);
    }

    public QuantizeOptions withTokenEmbeddingType(GgmlType value) {
        return new QuantizeOptions(pure, outputTensorType, value, leaveOutputTensor, overrides, imatrixTensors);
    }

    public QuantizeOptions withLeaveOutputTensor(boolean value) {
        return new QuantizeOptions(pure, outputTensorType, tokenEmbeddingType, value, overrides, imatrixTensors);
    }

    public QuantizeOptions withOverrides(List<TensorTypeOverride> value) {
        return new QuantizeOptions(pure, outputTensorType, tokenEmbeddingType, leaveOutputTensor, value, imatrixTensors);
    }

    public QuantizeOptions withImatrixTensors(Set<String> value) {
        return new QuantizeOptions(pure, outputTensorType, tokenEmbeddingType, leaveOutputTensor, overrides, value);
    }

    // Integer and f64 types cannot hold weights that llama.cpp or quantforge would write.
    private static void requireStorable(String option, GgmlType type) {
        if (type != null && !type.isFloat() && !type.isQuantized()) {
            throw new InvalidInputException(option + ": " + type.ggmlName() + " is not a weight type; use a float or quantized type");
        }
    }
}
