package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.quantforge.engine.ggml.GgmlType.F16;
import static dev.quantforge.engine.ggml.GgmlType.IQ2_S;
import static dev.quantforge.engine.ggml.GgmlType.IQ2_XXS;
import static dev.quantforge.engine.ggml.GgmlType.IQ3_S;
import static dev.quantforge.engine.ggml.GgmlType.IQ3_XXS;
import static dev.quantforge.engine.ggml.GgmlType.IQ4_NL;
import static dev.quantforge.engine.ggml.GgmlType.MXFP4;
import static dev.quantforge.engine.ggml.GgmlType.Q2_K;
import static dev.quantforge.engine.ggml.GgmlType.Q3_K;
import static dev.quantforge.engine.ggml.GgmlType.Q4_0;
import static dev.quantforge.engine.ggml.GgmlType.Q4_1;
import static dev.quantforge.engine.ggml.GgmlType.Q4_K;
import static dev.quantforge.engine.ggml.GgmlType.Q5_0;
import static dev.quantforge.engine.ggml.GgmlType.Q5_1;
import static dev.quantforge.engine.ggml.GgmlType.Q5_K;
import static dev.quantforge.engine.ggml.GgmlType.Q6_K;
import static dev.quantforge.engine.ggml.GgmlType.Q8_0;

/**
 * llama.cpp's per-tensor choice inside a mixture ({@code llama_tensor_get_type} at llama.cpp
 * ec98e2002): which tensors get more or fewer bits than the file type's default, by name, layer,
 * grouped-query attention and expert count, then the fallback when a row does not fit the type's
 * blocks. Like llama.cpp it counts attn_v, ffn_down, ffn_gate and ffn_up tensors as they come, so
 * {@link #choose} must see the tensors in {@link TensorOrder}, once each.
 */
final class MixtureRules {
    static final String OUTPUT = "output.weight";
    static final String TOKEN_EMBD = "token_embd.weight";
    private static final String PER_LAYER_TOKEN_EMBD = "per_layer_token_embd.weight";

    /** The file types whose output tensor gets q5_K instead of q6_K. */
    private static final Set<LlamaFileType> LOW_BIT_OUTPUT = EnumSet.of(LlamaFileType.IQ2_XXS, LlamaFileType.IQ2_XS,
            LlamaFileType.IQ3_XXS, LlamaFileType.IQ1_S, LlamaFileType.IQ2_S, LlamaFileType.IQ2_M, LlamaFileType.IQ1_M);
    /** The file types with their own rules for attn_v, attn_k, ffn_down and attn_output. */
    private static final Set<LlamaFileType> IQ1_IQ2 = EnumSet.of(LlamaFileType.IQ2_XXS, LlamaFileType.IQ2_XS,
            LlamaFileType.IQ1_S, LlamaFileType.IQ2_S, LlamaFileType.IQ2_M, LlamaFileType.IQ1_M);
    /** The file types whose attn_output gets q5_K in an 8-expert model. */
    private static final Set<LlamaFileType> MOE_ATTN_OUTPUT_Q5_K = EnumSet.of(LlamaFileType.Q2_K, LlamaFileType.IQ3_XS,
            LlamaFileType.IQ3_XXS, LlamaFileType.Q3_K_S, LlamaFileType.Q3_K_M, LlamaFileType.IQ4_NL, LlamaFileType.Q4_K_S,
            LlamaFileType.Q4_K_M, LlamaFileType.IQ3_S, LlamaFileType.IQ3_M, LlamaFileType.IQ4_XS);

    record Choice(GgmlType type, String fallbackReason) {
    }

    private final LlamaFileType ftype;
    private final ModelHyperparameters hp;
    private final QuantizeOptions options;
    private final boolean hasOutput;
    private final int attentionVCount;
    private int attentionVIndex;
    private int ffnDownIndex;
    private int ffnGateIndex;
    private int ffnUpIndex;

    MixtureRules(LlamaFileType ftype, ModelHyperparameters hp, QuantizeOptions options, List<TensorDescriptor> tensors) {
        this.ftype = ftype;
        this.hp = hp;
        this.options = options;
        // Without an output.weight the model ties its output to the token embedding, which then
        // gets the output's rule.
        this.hasOutput = tensors.stream().anyMatch(t -> t.name().equals(OUTPUT));
        this.attentionVCount = (int) tensors.stream().map(TensorDescriptor::name)
                .filter(n -> n.contains("attn_v.weight") || n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight"))
                .count();
    }

    Choice choose(TensorDescriptor tensor) {
        String name = tensor.name();
        GgmlType type = ftype.defaultType();
        if (name.equals(OUTPUT) || (!hasOutput && name.equals(TOKEN_EMBD))) {
            type = outputType(tensor, type);
        } else if (ftype == LlamaFileType.MXFP4_MOE) {
            // only expert tensors (3-D with several experts) take mxfp4
            long[] shape = tensor.shape();
            type = shape.length > 2 && shape[2] > 1 ? MXFP4 : Q8_0;
        } else if (name.equals(TOKEN_EMBD) || name.equals(PER_LAYER_TOKEN_EMBD)) {
            type = tokenEmbeddingType(type);
        } else if (IQ1_IQ2.contains(ftype)) {
            type = veryLowBitType(name, type);
        } else if (name.contains("attn_v.weight")) {
            type = attentionVType(type);
        } else if (name.contains("attn_k.weight")) {
            if (hp.expertCount() == 8) {
                type = Q8_0;
            } else if (ftype == LlamaFileType.IQ3_XS) {
                type = IQ3_XXS;
            } else if (ftype == LlamaFileType.IQ3_XXS) {
                type = IQ2_S;
            }
        } else if (name.contains("attn_q.weight")) {
            if (ftype == LlamaFileType.IQ3_XS) {
                type = IQ3_XXS;
            } else if (ftype == LlamaFileType.IQ3_XXS) {
                type = IQ2_S;
            }
        } else if (name.contains("ffn_down")) {
            type = ffnDownType(name, type);
        } else if (name.contains("attn_output.weight")) {
            type = attentionOutputType(type);
        } else if (name.contains("attn_qkv.weight")) {
            if (ftype == LlamaFileType.Q3_K_M || ftype == LlamaFileType.Q3_K_L || ftype == LlamaFileType.IQ3_M) {
                type = Q4_K;
            } else if (ftype == LlamaFileType.Q4_K_M) {
                type = Q5_K;
            } else if (ftype == LlamaFileType.Q5_K_M) {
                type = Q6_K;
            }
        } else if (name.contains("ffn_gate")) {
            int layer = layer(name, ffnGateIndex);
            type = middleLayersIq3Xxs(layer, type);
            ffnGateIndex++;
        } else if (name.contains("ffn_up")) {
            int layer = layer(name, ffnUpIndex);
            type = middleLayersIq3Xxs(layer, type);
            ffnUpIndex++;
        }
        return fitToRow(tensor.rowLength(), type);
    }

    /**
     * The type itself when rows are whole blocks of it; otherwise llama.cpp's fallback, or f16 where
     * the fallback does not fit either. For the types llama.cpp has no fallback for (q4_0, q8_0,
     * iq4_nl, … on rows that are not a multiple of 32) llama.cpp refuses the model; quantforge keeps
     * the tensor at f16 and says so.
     */
    static Choice fitToRow(long rowLength, GgmlType type) {
        if (rowLength % type.blockSize() == 0) {
            return new Choice(type, null);
        }
        String notDivisible = rowLength + " columns not divisible by " + type.blockSize();
        GgmlType fallback = fallbackOf(type);
        if (fallback == null) {
            return new Choice(F16, "fallback " + type.ggmlName() + " -> f16: " + notDivisible + "; llama.cpp has no fallback for "
                    + type.ggmlName() + " and refuses the model");
        }
        if (rowLength % fallback.blockSize() != 0) {
            return new Choice(F16, "fallback " + type.ggmlName() + " -> f16: " + notDivisible + ", nor by "
                    + fallback.blockSize() + " for " + fallback.ggmlName());
        }
        return new Choice(fallback, "fallback " + type.ggmlName() + " -> " + fallback.ggmlName() + ": " + notDivisible);
    }

    private static GgmlType fallbackOf(GgmlType type) {
        return switch (type) {
            case TQ1_0, TQ2_0 -> Q4_0;
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, Q2_K, Q3_K, IQ4_XS -> IQ4_NL;
            case Q4_K -> Q5_0;
            case Q5_K -> Q5_1;
            case Q6_K -> Q8_0;
            default -> null;
        };
    }

    private GgmlType outputType(TensorDescriptor tensor, GgmlType type) {
        if (options.outputTensorType() != null) {
            return options.outputTensorType();
        }
        if (ftype == LlamaFileType.MXFP4_MOE) {
            return Q8_0;
        }
        if (hp.isFalcon() || tensor.rowLength() % type.blockSize() != 0) {
            return Q8_0;
        }
        if (LOW_BIT_OUTPUT.contains(ftype)) {
            return Q5_K;
        }
        return type == Q8_0 ? type : Q6_K;
    }

    private GgmlType tokenEmbeddingType(GgmlType type) {
        if (options.tokenEmbeddingType() != null) {
            return options.tokenEmbeddingType();
        }
        return switch (ftype) {
            case IQ2_XXS, IQ2_XS, IQ1_S, IQ1_M -> Q2_K;
            case IQ2_S, IQ2_M, IQ3_XXS -> IQ3_S;
            case TQ1_0, TQ2_0 -> Q4_K;
            default -> type;
        };
    }

    private GgmlType veryLowBitType(String name, GgmlType type) {
        boolean iq2sm = ftype == LlamaFileType.IQ2_S || ftype == LlamaFileType.IQ2_M;
        if (name.contains("attn_v.weight")) {
            attentionVIndex++;
            if (hp.gqa() >= 4 || hp.expertCount() >= 4) {
                return Q4_K;
            }
            return iq2sm ? IQ3_S : Q2_K;
        }
        if (hp.expertCount() == 8 && name.contains("attn_k.weight")) {
            return Q4_K;
        }
        if (name.contains("ffn_down")) {
            boolean early = ffnDownIndex < hp.layerCount() / 8;
            ffnDownIndex++;
            if (early) {
                return iq2sm ? IQ3_S : Q2_K;
            }
            return type;
        }
        if (name.contains("attn_output.weight")) {
            if (hp.expertCount() == 8) {
                return Q5_K;
            }
            if (ftype == LlamaFileType.IQ1_S || ftype == LlamaFileType.IQ1_M) {
                return IQ2_XXS;
            }
            if (iq2sm) {
                return IQ3_S;
            }
        }
        return type;
    }

    private GgmlType attentionVType(GgmlType type) {
        int gqa = hp.gqa();
        switch (ftype) {
            case Q2_K -> type = gqa >= 4 ? Q4_K : Q3_K;
            case Q2_K_S, IQ3_XS, IQ3_S -> type = gqa >= 4 ? Q4_K : type;
            case IQ3_XXS -> type = gqa >= 4 ? Q4_K : options.hasImatrix() ? IQ3_XXS : IQ3_S;
            case IQ3_M -> type = Q4_K;
            case Q3_K_M -> type = attentionVIndex < 2 ? Q5_K : Q4_K;
            case Q3_K_L -> type = Q5_K;
            case IQ4_NL, IQ4_XS -> type = gqa >= 4 ? Q5_K : type;
            case Q4_K_M, Q5_K_M -> type = useMoreBits(attentionVIndex, attentionVCount) ? Q6_K : type;
            case Q4_K_S -> type = attentionVIndex < 4 ? Q5_K : type;
            default -> {
            }
        }
        // In a 70B llama eight heads share each attn_v, which is therefore 8x smaller than attn_q:
        // more bits cost little.
        if (hp.isLlama70B() && (type == Q3_K || type == Q4_K)) {
            type = Q5_K;
        }
        if (hp.expertCount() == 8) {
            type = Q8_0;
        }
        attentionVIndex++;
        return type;
    }

    private GgmlType ffnDownType(String name, GgmlType type) {
        int i = layer(name, ffnDownIndex);
        int n = hp.layerCount();
        boolean falcon = hp.isFalcon();
        boolean imatrix = options.hasImatrix();
        if (ftype == LlamaFileType.Q2_K) {
            type = Q3_K;
        } else if (ftype == LlamaFileType.Q2_K_S) {
            if (i < n / 8) {
                type = Q4_K;
            }
        } else if (ftype == LlamaFileType.IQ3_XXS && !imatrix) {
            type = i < n / 8 ? Q4_K : Q3_K;
        } else if (ftype == LlamaFileType.Q3_K_M) {
            type = i < n / 16 ? Q5_K : !falcon || useMoreBits(i, n) ? Q4_K : Q3_K;
        } else if (ftype == LlamaFileType.IQ3_M && (i < n / 8 || (hp.expertCount() == 8 && useMoreBits(i, n)))) {
            type = Q4_K;
        } else if (ftype == LlamaFileType.Q3_K_L) {
            type = falcon ? Q4_K : Q5_K;
        } else if (ftype == LlamaFileType.Q4_K_M) {
            if (falcon) {
                type = i < n / 16 ? Q6_K : useMoreBits(i, n) ? Q5_K : Q4_K;
            } else if (useMoreBits(i, n)) {
                type = Q6_K;
            }
        } else if (i < n / 8 && (ftype == LlamaFileType.IQ4_NL || ftype == LlamaFileType.IQ4_XS) && !imatrix) {
            type = Q5_K;
        } else if (ftype == LlamaFileType.Q5_K_M && useMoreBits(i, n)) {
            type = Q6_K;
        } else if (ftype == LlamaFileType.Q4_K_S && !falcon && i < n / 8) {
            type = Q5_K;
        } else if ((ftype == LlamaFileType.Q4_0 || ftype == LlamaFileType.Q5_0) && imatrix && i < n / 8) {
            // llama.cpp guards the first ffn_down layers, which go wrong even with an importance
            // matrix, only when one is given so that plain Q4_0/Q5_0 stay as they always were.
            type = ftype == LlamaFileType.Q4_0 ? Q4_1 : Q5_1;
        }
        ffnDownIndex++;
        return type;
    }

    private GgmlType attentionOutputType(GgmlType type) {
        if (hp.isFalcon()) {
            return ftype == LlamaFileType.Q3_K_L ? Q4_K : type;
        }
        if (hp.expertCount() == 8) {
            return MOE_ATTN_OUTPUT_Q5_K.contains(ftype) ? Q5_K : type;
        }
        return switch (ftype) {
            case Q2_K -> Q3_K;
            case IQ3_XXS -> IQ3_S;
            case Q3_K_M, IQ3_M -> Q4_K;
            case Q3_K_L -> Q5_K;
            default -> type;
        };
    }

    private GgmlType middleLayersIq3Xxs(int layer, GgmlType type) {
        int n = hp.layerCount();
        if (ftype == LlamaFileType.IQ3_XS && layer >= n / 8 && layer < 7 * n / 8) {
            return IQ3_XXS;
        }
        return type;
    }

    /**
     * The layer a per-layer tensor belongs to. In a dense model it is the count of such tensors seen
     * so far; in a MoE model llama.cpp reads it from the name because expert tensors need not come
     * in layer order.
     */
    private int layer(String name, int seen) {
        if (hp.expertCount() <= 1) {
            return seen;
        }
        int layer = TensorOrder.layerNumber(name);
        if (layer < 0 || layer >= hp.layerCount()) {
            throw new InvalidInputException("tensor " + name + " of a MoE model must be named blk.N. with N below "
                    + hp.architecture() + ".block_count = " + hp.layerCount());
        }
        return layer;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers and every third in between. */
    private static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }
}
