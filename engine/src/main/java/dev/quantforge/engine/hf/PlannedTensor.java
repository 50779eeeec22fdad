package dev.quantforge.engine.hf;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A tensor a checkpoint must hold: its Hugging Face name, the GGUF name it is written under,
 * the shape config.json implies (safetensors order, outermost first) and, for q/k projections that
 * need it, the head count whose rows are re-paired for llama.cpp's RoPE.
 *
 * @param interleaveHeads 0 when rows stay in place
 */
record PlannedTensor(String hfName, String ggufName, long[] hfShape, int interleaveHeads) {

    PlannedTensor {
        Objects.requireNonNull(hfName, "hfName");
        Objects.requireNonNull(ggufName, "ggufName");
        hfShape = hfShape.clone();
    }

    @Override
    public long[] hfShape() {
        return hfShape.clone();
    }

    /** Every tensor of {@code architecture} with hyperparameters {@code hp}, keyed by Hugging Face name. */
    static Map<String, PlannedTensor> plan(HfArchitecture architecture, HfHyperparameters hp) {
        Map<String, PlannedTensor> plan = new LinkedHashMap<>();
        long hidden = hp.embeddingLength();
        long qRows = (long) hp.headCount() * hp.headDim();
        long kvRows = (long) hp.headCountKv() * hp.headDim();
        long ff = hp.feedForwardLength();
        int qHeads = architecture.interleaveQk() ? hp.headCount() : 0;
        int kHeads = architecture.interleaveQk() ? hp.headCountKv() : 0;
        boolean qkvBias = architecture.qkvBias() || hp.attentionBias();

        add(plan, "model.embed_tokens.weight", "token_embd.weight", 0, hp.vocabSize(), hidden);
        add(plan, "model.norm.weight", "output_norm.weight", 0, hidden);
        if (!hp.tieWordEmbeddings()) {
            add(plan, "lm_head.weight", "output.weight", 0, hp.vocabSize(), hidden);
        }
        for (int i = 0; i < hp.blockCount(); i++) {
            String hf = "model.layers." + i + ".";
            String gguf = "blk." + i + ".";
            add(plan, hf + "input_layernorm.weight", gguf + "attn_norm.weight", 0, hidden);
            add(plan, hf + "self_attn.q_proj.weight", gguf + "attn_q.weight", qHeads, qRows, hidden);
            add(plan, hf + "self_attn.k_proj.weight", gguf + "attn_k.weight", kHeads, kvRows, hidden);
            add(plan, hf + "self_attn.v_proj.weight", gguf + "attn_v.weight", 0, kvRows, hidden);
            add(plan, hf + "self_attn.o_proj.weight", gguf + "attn_output.weight", 0, hidden, qRows);
            add(plan, hf + "post_attention_layernorm.weight", gguf + "ffn_norm.weight", 0, hidden);
            add(plan, hf + "mlp.gate_proj.weight", gguf + "ffn_gate.weight", 0, ff, hidden);
            add(plan, hf + "mlp.up_proj.weight", gguf + "ffn_up.weight", 0, ff, hidden);
            add(plan, hf + "mlp.down_proj.weight", gguf + "ffn_down.weight", 0, hidden, ff);
            if (qkvBias) {
                add(plan, hf + "self_attn.q_proj.bias", gguf + "attn_q.bias", qHeads, qRows);
                add(plan, hf + "self_attn.k_proj.bias", gguf + "attn_k.bias", kHeads, kvRows);
                add(plan, hf + "self_attn.v_proj.bias", gguf + "attn_v.bias", 0, kvRows);
            }
            if (hp.attentionBias()) {
                add(plan, hf + "self_attn.o_proj.bias", gguf + "attn_output.bias", 0, hidden);
            }
            if (hp.mlpBias()) {
                add(plan, hf + "mlp.gate_proj.bias", gguf + "ffn_gate.bias", 0, ff);
                add(plan, hf + "mlp.up_proj.bias", gguf + "ffn_up.bias", 0, ff);
                add(plan, hf + "mlp.down_proj.bias", gguf + "ffn_down.bias", 0, hidden);
            }
        }
        return plan;
    }

    private static void add(Map<String, PlannedTensor> plan, String hfName, String ggufName, int heads, long... shape) {
        plan.put(hfName, new PlannedTensor(hfName, ggufName, shape, heads));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlannedTensor t && hfName.equals(t.hfName) && ggufName.equals(t.ggufName)
                && Arrays.equals(hfShape, t.hfShape) && interleaveHeads == t.interleaveHeads;
    }

    @Override
    public int hashCode() {
        return Objects.hash(hfName, ggufName, Arrays.hashCode(hfShape), interleaveHeads);
    }
}
