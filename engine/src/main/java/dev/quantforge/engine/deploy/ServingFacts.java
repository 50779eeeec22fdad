package dev.quantforge.engine.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What serving a variant takes, read from the variant itself: its format, the model file (or directory) a server
 * loads, its size, the context to serve (the trained context, at most {@link #MAX_CONTEXT}), the shape of its KV
 * cache (layers and K/V width; zero when the model does not say) and the CPU threads.
 *
 * @param modelFile  the GGUF's file name, or the name of an ONNX or MLX directory
 * @param modelBytes the model's bytes on disk (every file of a directory)
 * @param layers     transformer blocks (0 when unknown)
 * @param kvWidth    K (or V) values per token and layer: KV heads × head dimension (0 when unknown)
 */
public record ServingFacts(String model, String variant, Format format, String modelFile, long modelBytes, int context,
                           int layers, long kvWidth, int threads) {
    /** The largest context the bundle asks for: a trained context of 128k tokens would need a KV cache of its own size. */
    public static final int MAX_CONTEXT = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A variant's format, as its server tells it apart. */
    public enum Format { GGUF, ONNX, MLX }

    public ServingFacts {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(modelFile, "modelFile");
        if (modelBytes < 0 || context <= 0 || layers < 0 || kvWidth < 0 || threads <= 0) {
            throw new IllegalArgumentException("bad serving figures: bytes " + modelBytes + ", context " + context
                    + ", layers " + layers + ", kv width " + kvWidth + ", threads " + threads);
        }
    }

    /**
     * Reads a variant: a {@code .gguf} file (llama.cpp's metadata), or a directory with {@code genai_config.json}
     * (ONNX) or a {@code config.json} with a {@code quantization} block (MLX), both read through their
     * {@code config.json}.
     *
     * @param output  the variant's model file or directory
     * @param threads the CPU threads the server is to run with
     */
    public static ServingFacts of(Path output, String model, String variant, int threads) {
        String name = output.getFileName().toString();
        if (Files.isRegularFile(output) && name.endsWith(".gguf")) {
            return gguf(output, model, variant, threads);
        }
        if (Files.isDirectory(output)) {
            JsonNode config = readJson(output.resolve("config.json")).orElse(JSON.createObjectNode());
            Format format = Files.isRegularFile(output.resolve("genai_config.json")) ? Format.ONNX
                    : config.has("quantization") ? Format.MLX : null;
            if (format == null) {
                throw new InvalidInputException(output + ": neither an ONNX Runtime directory (genai_config.json) nor an"
                        + " MLX one (config.json with quantization)");
            }
            int layers = config.path("num_hidden_layers").asInt(0);
            int heads = config.path("num_attention_heads").asInt(0);
            int kvHeads = config.path("num_key_value_heads").asInt(heads);
            int headDim = config.path("head_dim").asInt(heads == 0 ? 0 : config.path("hidden_size").asInt(0) / heads);
            int trained = config.path("max_position_embeddings").asInt(MAX_CONTEXT);
            return new ServingFacts(model, variant, format, name, bytes(output), context(trained), layers,
                    (long) kvHeads * headDim, threads);
        }
        throw new InvalidInputException(output + ": not a .gguf file or a model directory");
    }

    private static ServingFacts gguf(Path file, String model, String variant, int threads) {
        try (GgufFile gguf = GgufFile.open(file)) {
            String arch = gguf.getString("general.architecture").orElseThrow(() -> new InvalidInputException(
                    file + ": no general.architecture in its metadata; llama.cpp cannot load it"));
            long trained = number(gguf, arch + ".context_length").orElse((long) MAX_CONTEXT);
            long layers = number(gguf, arch + ".block_count").orElse(0L);
            long embd = number(gguf, arch + ".embedding_length").orElse(0L);
            long heads = number(gguf, arch + ".attention.head_count").orElse(0L);
            long kvHeads = number(gguf, arch + ".attention.head_count_kv").orElse(heads);
            long keyLength = number(gguf, arch + ".attention.key_length").orElse(heads == 0 ? 0 : embd / heads);
            return new ServingFacts(model, variant, Format.GGUF, file.getFileName().toString(), Files.size(file),
                    context(trained), (int) layers, kvHeads * keyLength, threads);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Long> number(GgufFile gguf, String key) {
        return gguf.get(key).flatMap(v -> {
            try {
                return Optional.of(v.asLong());
            } catch (RuntimeException e) {
                return Optional.empty(); // an array (per-layer head counts): not a single figure
            }
        }).filter(n -> n > 0);
    }

    private static int context(long trained) {
        return (int) Math.max(1, Math.min(trained, MAX_CONTEXT));
    }

    private static Optional<JsonNode> readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new InvalidInputException(file + ": not JSON: " + e.getMessage());
        }
    }

    private static long bytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }
}
