package dev.quantforge.worker.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.worker.messages.MessageCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama checkpoint of any size in Hugging Face layout, with stories260K's tokenizer (vocabulary 512) and
 * random weights: big enough to keep a worker busy for a few seconds, which stories260K is not.
 */
public final class SyntheticCheckpoint {
    private static final int VOCAB = 512;
    private static final int HEAD_DIM = 32;

    private SyntheticCheckpoint() {
    }

    public static Path write(Path dir, Path tokenizerFrom, int hidden, int ffn, int layers) {
        try {
            Files.createDirectories(dir);
            for (String name : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(tokenizerFrom.resolve(name), dir.resolve(name));
            }
            int heads = hidden / HEAD_DIM;
            int kvHeads = Math.max(1, heads / 2);
            ObjectNode config = (ObjectNode) MessageCodec.json().readTree(tokenizerFrom.resolve("config.json").toFile());
            config.put("hidden_size", hidden).put("intermediate_size", ffn).put("num_hidden_layers", layers)
                    .put("num_attention_heads", heads).put("num_key_value_heads", kvHeads).put("head_dim", HEAD_DIM)
                    .put("vocab_size", VOCAB);
            Files.write(dir.resolve("config.json"), MessageCodec.json().writeValueAsBytes(config));

            Map<String, long[]> tensors = new LinkedHashMap<>();
            tensors.put("model.embed_tokens.weight", new long[] {VOCAB, hidden});
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                tensors.put(p + "input_layernorm.weight", new long[] {hidden});
                tensors.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * HEAD_DIM, hidden});
                tensors.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * HEAD_DIM, hidden});
                tensors.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * HEAD_DIM, hidden});
                tensors.put(p + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * HEAD_DIM});
                tensors.put(p + "post_attention_layernorm.weight", new long[] {hidden});
                tensors.put(p + "mlp.gate_proj.weight", new long[] {ffn, hidden});
                tensors.put(p + "mlp.up_proj.weight", new long[] {ffn, hidden});
                tensors.put(p + "mlp.down_proj.weight", new long[] {hidden, ffn});
            }
            tensors.put("model.norm.weight", new long[] {hidden});
            writeSafetensors(dir.resolve("model.safetensors"), tensors);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeSafetensors(Path file, Map<String, long[]> tensors) throws IOException {
        ObjectNode header = MessageCodec.json().createObjectNode();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = 4L * count(e.getValue());
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = MessageCodec.json().writeValueAsBytes(header);
        SplittableRandom random = new SplittableRandom(260);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (var e : tensors.entrySet()) {
                boolean norm = e.getValue().length == 1;
                ByteBuffer values = ByteBuffer.allocate(Math.toIntExact(4 * count(e.getValue()))).order(ByteOrder.LITTLE_ENDIAN);
                while (values.hasRemaining()) {
                    values.putFloat(norm ? 1f : (float) (random.nextDouble(-1, 1) * 0.05));
                }
                out.write(values.array());
            }
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
