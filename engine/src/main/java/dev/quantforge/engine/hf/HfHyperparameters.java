package dev.quantforge.engine.hf;

import java.util.Optional;

/**
 * The shape and numerics of a checkpoint as its {@code config.json} declares them, checked for
 * consistency. Everything a GGUF llama/qwen2 header needs comes from here.
 *
 * @param headDim            per-head width: {@code head_dim}, else hidden_size / num_attention_heads
 * @param ropeTheta          RoPE base, if the config gives one (llama.cpp defaults to 10000)
 * @param tieWordEmbeddings  the output head reuses the token embedding: no output.weight is written
 * @param attentionBias      Llama with biases on q/k/v/o
 * @param mlpBias            Llama with biases on gate/up/down
 */
public record HfHyperparameters(int blockCount, int contextLength, int embeddingLength, int feedForwardLength,
                                int headCount, int headCountKv, int headDim, int vocabSize, double rmsNormEps,
                                Optional<Double> ropeTheta, Optional<RopeScaling> ropeScaling,
                                boolean tieWordEmbeddings, boolean attentionBias, boolean mlpBias) {

    public static HfHyperparameters from(HfConfig config, HfArchitecture architecture) {
        int hidden = config.positiveInt("hidden_size");
        int heads = config.positiveInt("num_attention_heads");
        int kvHeads = config.optionalPositiveInt("num_key_value_heads").orElse(heads);
        if (heads % kvHeads != 0) {
            throw config.problem("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        Optional<Integer> explicitHeadDim = config.optionalPositiveInt("head_dim");
        if (explicitHeadDim.isEmpty() && hidden % heads != 0) {
            throw config.problem("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headDim = explicitHeadDim.orElse(hidden / heads);
        if (architecture.interleaveQk() && headDim % 2 != 0) {
            throw config.problem("head dimension " + headDim + " is odd; RoPE needs pairs");
        }
        Optional<RopeScaling> scaling = RopeScaling.from(config);
        if (scaling.filter(s -> s.kind() == RopeScaling.Kind.LLAMA3).isPresent() && architecture.ggufName().equals("qwen2")) {
            throw config.problem("llama3 rope scaling is not supported for " + architecture.hfName());
        }
        Optional<Double> theta = config.node("rope_parameters").flatMap(p -> config.number(p, "rope_theta"))
                .or(() -> config.optionalPositiveNumber("rope_theta"));
        return new HfHyperparameters(
                config.positiveInt("num_hidden_layers"),
                config.positiveInt("max_position_embeddings"),
                hidden,
                config.positiveInt("intermediate_size"),
                heads, kvHeads, headDim,
                config.positiveInt("vocab_size"),
                config.positiveNumber("rms_norm_eps"),
                theta, scaling,
                config.bool("tie_word_embeddings", false),
                config.bool("attention_bias", false),
                config.bool("mlp_bias", false));
    }
}
