package dev.quantforge.e2e.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A Llama checkpoint in Hugging Face layout with stories260K's tokenizer and config but wider, deeper and with
 * random F32 weights: a model whose tasks take seconds rather than stories260K's fraction of one. Written tensor
 * by tensor, so its size does not matter to the heap.
 */
public final class SyntheticModel {
    private static final int HEAD_DIM = 32;
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.model", "tokenizer_config.json",
            "special_tokens_map.json");

    private SyntheticModel() {
    }

    /** Writes the checkpoint to {@code dir}; returns {@code dir}. */
    public static Path write(Path dir, int hidden, int ffn, int layers) {
        try {
            Files.createDirectories(dir);
            for (String name : TOKENIZER_FILES) {
                Files.copy(Product.STORIES.resolve(name), dir.resolve(name));
            }
            ObjectMapper json = ApiClient.json();
            ObjectNode config = (ObjectNode) json.readTree(Product.STORIES.resolve("config.json").toFile());
            int heads = hidden / HEAD_DIM;
            int kvHeads = Math.max(1, heads / 2);
            int vocab = config.path("vocab_size").asInt();
            config.put("hidden_size", hidden).put("intermediate_size", ffn).put("num_hidden_layers", layers)
                    .put("num_attention_heads", heads).put("num_key_value_heads", kvHeads).put("head_dim", HEAD_DIM);
            Files.write(dir.resolve("config.json"), json.writeValueAsBytes(config));

            Map<String, long[]> tensors = new LinkedHashMap<>();
            tensors.put("model.embed_tokens.weight", new long[] {vocab, hidden});
            for (int l = 0; l < layers; l++) {
                String layer = "model.layers." + l + ".";
                tensors.put(layer + "input_layernorm.weight", new long[] {hidden});
                tensors.put(layer + "self_attn.q_proj.weight", new long[] {(long) heads * HEAD_DIM, hidden});
                tensors.put(layer + "self_attn.k_proj.weight", new long[] {(long) kvHeads * HEAD_DIM, hidden});
                tensors.put(layer + "self_attn.v_proj.weight", new long[] {(long) kvHeads * HEAD_DIM, hidden});
                tensors.put(layer + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * HEAD_DIM});
                tensors.put(layer + "post_attention_layernorm.weight", new long[] {hidden});
                tensors.put(layer + "mlp.gate_proj.weight", new long[] {ffn, hidden});
                tensors.put(layer + "mlp.up_proj.weight", new long[] {ffn, hidden});
                tensors.put(layer + "mlp.down_proj.weight", new long[] {hidden, ffn});
            }
            tensors.put("model.norm.weight", new long[] {hidden});
            writeSafetensors(dir.resolve("model.safetensors"), tensors, json);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a checkpoint {@link #write} made, once it is uploaded: it is big and a run's directory is kept. */
    public static void delete(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeSafetensors(Path file, Map<String, long[]> tensors, ObjectMapper json) throws IOException {
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> tensor : tensors.entrySet()) {
            long bytes = Float.BYTES * elements(tensor.getValue());
            ObjectNode entry = header.putObject(tensor.getKey()).put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : tensor.getValue()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        SplittableRandom random = new SplittableRandom(260);
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length));
            out.write(ByteBuffer.wrap(headerBytes));
            for (long[] shape : tensors.values()) {
                // norms at 1 as trained models have them; weights small and centred
                boolean norm = shape.length == 1;
                for (long left = elements(shape); left > 0; left--) {
                    chunk.putFloat(norm ? 1f : (float) random.nextDouble(-0.05, 0.05));
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.flip());
                        chunk.clear();
                    }
                }
            }
            out.write(chunk.flip());
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
