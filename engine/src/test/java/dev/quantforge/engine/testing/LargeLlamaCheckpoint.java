package dev.quantforge.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.engine.ggml.Bf16;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a llama-shaped Hugging Face checkpoint of a chosen size for memory and speed measurements:
 * BF16 random weights of a 2048-wide model (32 heads, 4 KV heads, 5632-wide MLP, separate lm_head),
 * as many layers as the size asks for, sharded like {@code save_pretrained} does, with stories260K's
 * 512-piece tokenizer. Streams every shard to disk, so it needs no more heap than one chunk.
 *
 * <p>Usage: {@code LargeLlamaCheckpoint DIR [GIGABYTES]} (default 1).
 */
public final class LargeLlamaCheckpoint {
    private static final int HIDDEN = 2048;
    private static final int FF = 5632;
    private static final int HEADS = 32;
    private static final int KV_HEADS = 4;
    private static final int HEAD_DIM = HIDDEN / HEADS;
    private static final int VOCAB = 512;
    private static final long SHARD_BYTES = 512L << 20;
    private static final int CHUNK_VALUES = 1 << 20;

    private record Tensor(String name, long[] shape, boolean norm) {
        long bytes() {
            long n = 2;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private LargeLlamaCheckpoint() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: LargeLlamaCheckpoint DIR [GIGABYTES]");
            System.exit(2);
        }
        double gigabytes = args.length == 2 ? Double.parseDouble(args[1]) : 1;
        long started = System.nanoTime();
        Path dir = write(Path.of(args[0]), (long) (gigabytes * 1e9));
        System.out.printf("wrote %s in %.1f s%n", dir, (System.nanoTime() - started) / 1e9);
    }

    public static Path write(Path dir, long approximateBytes) {
        long layerBytes = 2L * (2L * HIDDEN * HIDDEN + 2L * HIDDEN * KV_HEADS * HEAD_DIM + 3L * HIDDEN * FF + 2L * HIDDEN);
        int layers = (int) Math.max(1, Math.round((double) approximateBytes / layerBytes));
        List<Tensor> tensors = tensors(layers);
        List<List<Tensor>> shards = shards(tensors);
        try {
            Files.createDirectories(dir);
            new LlamaConfigJson(HIDDEN, FF, layers, HEADS, KV_HEADS, 2048, VOCAB, "bfloat16").write(dir);
            for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(Models.stories260K().resolve(file), dir.resolve(file));
            }
            Map<String, String> weightMap = new LinkedHashMap<>();
            SplittableRandom random = new SplittableRandom(2048);
            for (int s = 0; s < shards.size(); s++) {
                String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                writeShard(dir.resolve(file), shards.get(s), random);
                shards.get(s).forEach(t -> weightMap.put(t.name(), file));
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode index = json.createObjectNode();
            index.putObject("metadata").put("total_size", tensors.stream().mapToLong(Tensor::bytes).sum());
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static List<Tensor> tensors(int layers) {
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN}, false));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            tensors.add(new Tensor(p + "input_layernorm.weight", new long[] {HIDDEN}, true));
            tensors.add(new Tensor(p + "self_attn.q_proj.weight", new long[] {HIDDEN, HIDDEN}, false));
            tensors.add(new Tensor(p + "self_attn.k_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN}, false));
            tensors.add(new Tensor(p + "self_attn.v_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN}, false));
            tensors.add(new Tensor(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HIDDEN}, false));
            tensors.add(new Tensor(p + "post_attention_layernorm.weight", new long[] {HIDDEN}, true));
            tensors.add(new Tensor(p + "mlp.gate_proj.weight", new long[] {FF, HIDDEN}, false));
            tensors.add(new Tensor(p + "mlp.up_proj.weight", new long[] {FF, HIDDEN}, false));
            tensors.add(new Tensor(p + "mlp.down_proj.weight", new long[] {HIDDEN, FF}, false));
        }
        tensors.add(new Tensor("model.norm.weight", new long[] {HIDDEN}, true));
        tensors.add(new Tensor("lm_head.weight", new long[] {VOCAB, HIDDEN}, false));
        return tensors;
    }

    private static List<List<Tensor>> shards(List<Tensor> tensors) {
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long size = 0;
        for (Tensor t : tensors) {
            if (!current.isEmpty() && size + t.bytes() > SHARD_BYTES) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.bytes();
        }
        shards.add(current);
        return shards;
    }

    private static void writeShard(Path file, List<Tensor> tensors, SplittableRandom random) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Tensor t : tensors) {
            header.append(",\"").append(t.name()).append("\":{\"dtype\":\"BF16\",\"shape\":[").append(t.shape()[0]);
            for (int i = 1; i < t.shape().length; i++) {
                header.append(',').append(t.shape()[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.bytes()).append("]}");
            offset += t.bytes();
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_VALUES * 2).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Tensor t : tensors) {
                long remaining = t.bytes() / 2;
                while (remaining > 0) {
                    int n = (int) Math.min(CHUNK_VALUES, remaining);
                    chunk.clear();
                    for (int i = 0; i < n; i++) {
                        // uniform in ±0.05 (std ≈ 0.029, like a trained layer's weights); norms near 1
                        float v = (random.nextInt(65536) - 32768) * (0.05f / 32768);
                        chunk.putShort(Bf16.fromFloat(t.norm() ? 1 + v : v));
                    }
                    out.write(chunk.array(), 0, n * 2);
                    remaining -= n;
                }
            }
        }
    }
}
