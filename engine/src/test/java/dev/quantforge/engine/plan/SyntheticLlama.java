package dev.quantforge.engine.plan;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Names, shapes and hyperparameters of a llama-architecture model, all F32, in converter order. */
record SyntheticLlama(int layers, int embedding, int feedForward, int heads, int kvHeads, int vocabulary, boolean tied) {

    /** P1 of the golden plans: 32 layers, GQA 4, untied output. */
    static final SyntheticLlama P1 = new SyntheticLlama(32, 256, 512, 8, 2, 256, false);

    List<TensorDescriptor> tensors() {
        long kvWidth = (long) kvHeads * (embedding / heads);
        List<TensorDescriptor> t = new ArrayList<>();
        t.add(tensor("token_embd.weight", embedding, vocabulary));
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            t.add(tensor(p + "attn_norm.weight", embedding));
            t.add(tensor(p + "attn_q.weight", embedding, embedding));
            t.add(tensor(p + "attn_k.weight", embedding, kvWidth));
            t.add(tensor(p + "attn_v.weight", embedding, kvWidth));
            t.add(tensor(p + "attn_output.weight", embedding, embedding));
            t.add(tensor(p + "ffn_norm.weight", embedding));
            t.add(tensor(p + "ffn_gate.weight", embedding, feedForward));
            t.add(tensor(p + "ffn_down.weight", feedForward, embedding));
            t.add(tensor(p + "ffn_up.weight", embedding, feedForward));
        }
        t.add(tensor("output_norm.weight", embedding));
        if (!tied) {
            t.add(tensor("output.weight", embedding, vocabulary));
        }
        return t;
    }

    Map<String, GgufValue> metadata() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.ofString("llama"));
        m.put("llama.block_count", GgufValue.ofUint32(layers));
        m.put("llama.embedding_length", GgufValue.ofUint32(embedding));
        m.put("llama.feed_forward_length", GgufValue.ofUint32(feedForward));
        m.put("llama.attention.head_count", GgufValue.ofUint32(heads));
        m.put("llama.attention.head_count_kv", GgufValue.ofUint32(kvHeads));
        return m;
    }

    QuantizationPlan plan(LlamaFileType fileType, QuantizeOptions options) {
        return new QuantizationPlanner().plan(tensors(), metadata(), fileType, options);
    }

    private static TensorDescriptor tensor(String name, long... shape) {
        return new TensorDescriptor(name, shape, GgmlType.F32);
    }
}
