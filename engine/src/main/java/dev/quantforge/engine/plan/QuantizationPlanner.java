package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.tensor.Shapes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides the type of every tensor of a model for a llama.cpp file type, as
 * {@code llama_model_quantize} does at llama.cpp ec98e2002: which tensors are quantized at all, the
 * mixture rules, the shape fallbacks, the user's type options and the importance-matrix requirement
 * of the very-low-bit types. Needs names, shapes and hyperparameters only, never tensor values.
 *
 * <p>One deliberate difference: where llama.cpp refuses a model because a type without fallback
 * (q4_0, q8_0, iq4_nl, …) does not fit a row length, the tensor is planned as f16 with the reason.
 * The same applies under {@code --pure}, where llama.cpp would abort on such a tensor.
 */
public final class QuantizationPlanner {

    // Substrings of the tensors llama.cpp never quantizes: small or precision-critical weights.
    private static final List<String> NEVER_QUANTIZED = List.of(
            "_norm.weight",
            "ffn_gate_inp.weight",
            "altup", "laurel",
            "per_layer_model_proj",
            "ssm_conv1d.weight", "shortconv.conv.weight",
            "time_mix_first.weight",
            "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
            "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
            "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
            "time_mix_g1.weight", "time_mix_g2.weight",
            "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
            "time_mix_lerp_fused.weight",
            "attn_rel_b.weight",
            ".position_embd.");

    /** Plans a model whose hyperparameters are in its GGUF metadata. */
    public QuantizationPlan plan(List<TensorDescriptor> tensors, Map<String, GgufValue> metadata,
                                 LlamaFileType fileType, QuantizeOptions options) {
        return plan(tensors, ModelHyperparameters.fromMetadata(metadata), fileType, options);
    }

    public QuantizationPlan plan(List<TensorDescriptor> tensors, ModelHyperparameters hyperparameters,
                                 LlamaFileType fileType, QuantizeOptions options) {
        Objects.requireNonNull(fileType, "fileType");
        Objects.requireNonNull(options, "options");
        List<TensorDescriptor> ordered = new ArrayList<>(tensors);
        requireUniqueNames(ordered);
        ordered.sort((a, b) -> TensorOrder.NAMES.compare(a.name(), b.name()));

        MixtureRules rules = new MixtureRules(fileType, hyperparameters, options, ordered);
        List<PlannedTensor> planned = new ArrayList<>(ordered.size());
        for (TensorDescriptor tensor : ordered) {
            planned.add(isQuantized(tensor, options) ? planQuantized(tensor, fileType, options, rules)
                    : new PlannedTensor(tensor.name(), tensor.shape(), tensor.type(), tensor.type(), null));
        }
        return new QuantizationPlan(fileType, planned);
    }

    private static PlannedTensor planQuantized(TensorDescriptor tensor, LlamaFileType fileType, QuantizeOptions options,
                                               MixtureRules rules) {
        String name = tensor.name();
        GgmlType defaultType = fileType.defaultType();
        GgmlType type = defaultType;
        String reason = null;
        String chosenBy = null;
        if (defaultType.isQuantized()) {
            MixtureRules.Choice choice = options.pure() ? MixtureRules.fitToRow(tensor.rowLength(), defaultType)
                    : rules.choose(tensor);
            type = choice.type();
            reason = choice.fallbackReason();
            // like llama.cpp, --tensor-type does not apply to a tensor that needed a fallback
            if (!options.pure() && reason == null) {
                // the first matching pattern wins, as in llama-quantize since its manual overrides stop at a match
                for (TensorTypeOverride override : options.overrides()) {
                    if (override.matches(name)) {
                        type = override.type();
                        chosenBy = "--tensor-type " + override;
                        break;
                    }
                }
            }
        }
        if (options.tokenEmbeddingType() != null && name.equals(MixtureRules.TOKEN_EMBD)) {
            type = options.tokenEmbeddingType();
            chosenBy = "--token-embedding-type " + type.ggmlName();
        }
        if (options.outputTensorType() != null && name.equals(MixtureRules.OUTPUT)) {
            type = options.outputTensorType();
            chosenBy = "--output-tensor-type " + type.ggmlName();
        }
        if (chosenBy != null) {
            reason = null;
            if (tensor.rowLength() % type.blockSize() != 0) {
                throw new InvalidInputException(chosenBy + " does not fit " + name + ": its rows of " + tensor.rowLength()
                        + " values are not a multiple of " + type.ggmlName() + "'s block of " + type.blockSize());
            }
        }
        if (type != tensor.type()) {
            requireImatrixIfVeryLowBit(name, type, fileType, options);
            if (!tensor.type().isFloat()) {
                throw new InvalidInputException("tensor " + name + " is " + tensor.type().ggmlName() + "; only f32, f16 and bf16 tensors can be converted to "
                        + type.ggmlName() + " (requantizing is not supported)");
            }
        }
        return new PlannedTensor(name, tensor.shape(), tensor.type(), type, reason);
    }

    /** llama.cpp's rule for which tensors are quantized at all: 2-D and 3-D weights, with exceptions. */
    private static boolean isQuantized(TensorDescriptor tensor, QuantizeOptions options) {
        String name = tensor.name();
        if (Shapes.dimensions(tensor.shape()) < 2 || !name.endsWith("weight")) {
            return false;
        }
        if (options.leaveOutputTensor() && name.equals(MixtureRules.OUTPUT)) {
            return false;
        }
        // BERT's positional embeddings and token types
        if (name.equals("position_embd.weight") || name.equals("token_types.weight")) {
            return false;
        }
        return NEVER_QUANTIZED.stream().noneMatch(name::contains);
    }

    /**
     * The very-low-bit types give garbage without an importance matrix; llama.cpp refuses them then,
     * except for the token embedding (and the output for iq1_m), which have no matrix entry anyway.
     */
    private static void requireImatrixIfVeryLowBit(String name, GgmlType type, LlamaFileType fileType, QuantizeOptions options) {
        boolean needsImatrix = switch (type) {
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S -> true;
            case IQ1_M -> !name.equals(MixtureRules.TOKEN_EMBD) && !name.equals(MixtureRules.OUTPUT);
            case Q2_K -> fileType == LlamaFileType.Q2_K_S && !name.equals(MixtureRules.TOKEN_EMBD);
            default -> false;
        };
        if (needsImatrix && !options.imatrixTensors().contains(name)) {
            throw new InvalidInputException("Missing importance matrix for tensor " + name + " in a very low-bit quantization ("
                    + type.ggmlName() + " for " + fileType + "); give an importance matrix that covers it");
        }
    }

    private static void requireUniqueNames(List<TensorDescriptor> tensors) {
        Set<String> seen = new HashSet<>();
        for (TensorDescriptor t : tensors) {
            if (!seen.add(t.name())) {
                throw new InvalidInputException("model has two tensors named " + t.name());
            }
        }
    }
}
