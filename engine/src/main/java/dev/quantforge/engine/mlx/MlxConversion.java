package dev.quantforge.engine.mlx;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsDtype;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.safetensors.SafetensorsWriter;
import dev.quantforge.engine.tensor.TensorSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A Hugging Face checkpoint (llama, mistral, qwen2) converted to what {@code mlx_lm.convert -q} writes: the
 * checkpoint's own tensor names (mlx-lm's llama and qwen2 models keep them; {@code rotary_emb.inv_freq} and a
 * tied {@code lm_head.weight} are dropped), Linear and Embedding weights quantized when the group divides their
 * rows, everything else cast to the output dtype; {@code model.safetensors} or 5 GiB shards, always with
 * {@code model.safetensors.index.json}, metadata {@code {"format": "mlx"}}; {@code config.json} with the
 * {@code quantization} block; the tokenizer files copied.
 */
public final class MlxConversion {
    /** mlx-lm's {@code MAX_FILE_SIZE_GB}: 5 GiB per shard. */
    public static final long SHARD_BYTES = 5L << 30;
    /** The modules of llama/mistral/qwen2 that are nn.Linear or nn.Embedding in mlx-lm's models. */
    private static final Set<String> QUANTIZABLE = Set.of("embed_tokens", "q_proj", "k_proj", "v_proj", "o_proj",
            "gate_proj", "up_proj", "down_proj", "lm_head");
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "vocab.json", "merges.txt",
            "chat_template.jinja", "chat_template.json", "generation_config.json");
    private static final int CHUNK_VALUES = 1 << 20;

    private MlxConversion() {
    }

    /** What was written. */
    public record Written(Path output, long fileBytes, long tensorBytes, long parameters, int tensors) {
    }

    /**
     * Every tensor of the checkpoint that MLX keeps, in name order, with what it becomes.
     *
     * @param recipe a mixed recipe (affine only), or null for one quantization everywhere
     * @param dtype  the output dtype, or null for config.json's {@code torch_dtype} when it names one, else each
     *               tensor's own
     */
    public static List<MlxPlannedTensor> plan(SafetensorsCheckpoint checkpoint, JsonNode config,
                                              MlxQuantization quantization, MixedRecipe recipe, MlxDtype dtype) {
        if (recipe != null && quantization.mode() != MlxMode.AFFINE) {
            throw new InvalidInputException("MLX's mixed recipes are affine; " + recipe.recipeName()
                    + " cannot use mode " + quantization.mode().mlxName());
        }
        MlxDtype castTo = dtype != null ? dtype : configDtype(config);
        boolean tied = config.path("tie_word_embeddings").asBoolean(false);
        List<String> names = checkpoint.names().stream()
                .filter(n -> !n.contains("self_attn.rotary_emb.inv_freq"))
                .filter(n -> !(tied && n.equals("lm_head.weight")))
                .toList();
        MixedRecipe.Layers layers = recipe == null ? null : MixedRecipe.Layers.of(modulesInModelOrder(names),
                config.path("num_hidden_layers").asInt(0));
        List<MlxPlannedTensor> plan = new ArrayList<>();
        for (String name : names) {
            SafetensorsTensorInfo info = checkpoint.info(name).orElseThrow();
            MlxDtype source = MlxDtype.of(info.dtype()).orElseThrow(() -> new InvalidInputException(
                    checkpoint.fileOf(name) + ": tensor " + name + " has dtype " + info.dtype() + "; MLX conversion reads "
                            + SafetensorsDtype.SUPPORTED));
            MlxDtype out = castTo != null ? castTo : source;
            long[] shape = info.shape();
            MlxQuantization q = null;
            String reason = null;
            if (isQuantizable(name, shape)) {
                if (quantization.fits(shape[1])) {
                    q = recipe == null ? quantization : new MlxQuantization(MlxMode.AFFINE,
                            recipe.bits(module(name), layers), quantization.groupSize());
                } else {
                    reason = "rows of " + shape[1] + " do not split into groups of " + quantization.groupSize()
                            + "; kept as " + out.configName() + " (as mlx-lm does)";
                }
            }
            plan.add(new MlxPlannedTensor(name, shape, info.dtype(), out, q, reason));
        }
        return plan;
    }

    /** A weight of a Linear or Embedding module, which MLX can quantize. */
    static boolean isQuantizable(String name, long[] shape) {
        if (!name.endsWith(".weight") || shape.length != 2) {
            return false;
        }
        String module = module(name);
        return QUANTIZABLE.contains(module.substring(module.lastIndexOf('.') + 1));
    }

    private static String module(String weightName) {
        return weightName.substring(0, weightName.length() - ".weight".length());
    }

    /** Module paths in model order: embeddings, then the layers by number, then the rest. */
    static List<String> modulesInModelOrder(List<String> names) {
        return names.stream().filter(n -> n.endsWith(".weight")).map(MlxConversion::module)
                .sorted(Comparator.comparing(MlxConversion::layerKey)).toList();
    }

    private static String layerKey(String module) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.(\\d+)\\.").matcher(module);
        return m.find() ? "1" + String.format("%09d", Long.parseLong(m.group(1))) + module : (module.contains("embed") ? "0" : "2") + module;
    }

    private static MlxDtype configDtype(JsonNode config) {
        JsonNode torch = config.get("torch_dtype");
        if (torch == null || !torch.isTextual()) {
            torch = config.path("text_config").get("dtype");
        }
        return torch != null && torch.isTextual() ? MlxDtype.ofConfigName(torch.textValue()).orElse(null) : null;
    }

    /**
     * config.json as mlx-lm saves it: the checkpoint's, with generation_config.json's {@code eos_token_id},
     * without {@code _name_or_path} and {@code vision_config}, plus {@code quantization} (and the same under
     * {@code quantization_config}) holding {@code group_size}, {@code bits}, {@code mode} and, for a mixed
     * recipe, every quantized module's own entry; keys sorted.
     */
    public static ObjectNode config(Path checkpointDir, MlxQuantization quantization, MixedRecipe recipe,
                                    List<MlxPlannedTensor> plan) {
        ObjectNode config = (ObjectNode) JsonFiles.readObject(checkpointDir.resolve("config.json")).deepCopy();
        Path generation = checkpointDir.resolve("generation_config.json");
        if (Files.isRegularFile(generation)) {
            try {
                JsonNode eos = new ObjectMapper().readTree(generation.toFile()).get("eos_token_id");
                if (eos != null && !eos.isNull() && !(eos.isNumber() && eos.asLong() == 0) && !(eos.isArray() && eos.isEmpty())) {
                    config.set("eos_token_id", eos);
                }
            } catch (IOException e) {
                // mlx-lm ignores a generation_config.json it cannot parse
            }
        }
        config.remove("_name_or_path");
        config.remove("vision_config");
        ObjectNode block = config.objectNode();
        block.put("group_size", quantization.groupSize());
        block.put("bits", quantization.bits());
        block.put("mode", quantization.mode().mlxName());
        if (recipe != null) {
            Map<String, MlxQuantization> byModule = new LinkedHashMap<>();
            plan.stream().filter(t -> t.quantization() != null).forEach(t -> byModule.put(t.module(), t.quantization()));
            for (String module : modulesInModelOrder(plan.stream().filter(t -> t.quantization() != null)
                    .map(MlxPlannedTensor::name).toList())) {
                MlxQuantization q = byModule.get(module);
                ObjectNode entry = block.putObject(module);
                entry.put("group_size", q.groupSize());
                entry.put("bits", q.bits());
                entry.put("mode", q.mode().mlxName());
            }
        }
        config.set("quantization", block);
        config.set("quantization_config", block.deepCopy());
        ObjectNode sorted = config.objectNode();
        Map<String, JsonNode> fields = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            fields.put(e.getKey(), e.getValue());
        }
        fields.forEach(sorted::set);
        return sorted;
    }

    /** One output tensor: a plan row's weight, scales or biases. */
    private record Output(SafetensorsWriter.Entry entry, MlxPlannedTensor source) {
    }

    /**
     * Writes the planned conversion into {@code output}, which must not exist: everything goes to a temporary
     * sibling directory that is renamed only when complete, and is deleted on failure.
     */
    public static Written write(Path checkpointDir, SafetensorsCheckpoint checkpoint, List<MlxPlannedTensor> plan,
                                ObjectNode config, Path output, AffineRounding rounding, long shardBytes,
                                BooleanSupplier cancelled) {
        Path target = output.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            throw new InvalidInputException(output + ": already exists; MLX output goes to a new directory");
        }
        Path parent = target.getParent();
        Path temporary;
        try {
            Files.createDirectories(parent);
            temporary = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory beside " + output + ": " + e.getMessage(), e);
        }
        try {
            long tensorBytes = writeWeights(checkpoint, plan, temporary, rounding, shardBytes, cancelled);
            writeJson(temporary.resolve("config.json"), config);
            for (String file : TOKENIZER_FILES) {
                Path from = checkpointDir.resolve(file);
                if (Files.isRegularFile(from)) {
                    Files.copy(from, temporary.resolve(file));
                }
            }
            long fileBytes;
            try (Stream<Path> files = Files.list(temporary)) {
                fileBytes = files.mapToLong(MlxConversion::size).sum();
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            long parameters = plan.stream().mapToLong(MlxPlannedTensor::elementCount).sum();
            int tensors = (int) plan.stream().mapToLong(t -> t.quantization() == null ? 1
                    : t.quantization().mode().hasBiases() ? 3 : 2).sum();
            return new Written(target, fileBytes, tensorBytes, parameters, tensors);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(temporary);
            throw e;
        }
    }

    private static long writeWeights(SafetensorsCheckpoint checkpoint, List<MlxPlannedTensor> plan, Path dir,
                                     AffineRounding rounding, long shardBytes, BooleanSupplier cancelled) throws IOException {
        List<Output> outputs = new ArrayList<>();
        for (MlxPlannedTensor t : plan) {
            long rows = t.rows();
            MlxQuantization q = t.quantization();
            if (q == null) {
                outputs.add(new Output(new SafetensorsWriter.Entry(t.name(), t.dtype().safetensors(), t.hfShape()), t));
            } else {
                long groups = q.groupsPerRow(t.rowLength());
                outputs.add(new Output(new SafetensorsWriter.Entry(t.name(), SafetensorsDtype.U32,
                        new long[] {rows, q.packedRowWords(t.rowLength())}), t));
                outputs.add(new Output(new SafetensorsWriter.Entry(t.module() + ".scales",
                        q.mode().hasBiases() ? t.dtype().safetensors() : SafetensorsDtype.U8, new long[] {rows, groups}), t));
                if (q.mode().hasBiases()) {
                    outputs.add(new Output(new SafetensorsWriter.Entry(t.module() + ".biases", t.dtype().safetensors(),
                            new long[] {rows, groups}), t));
                }
            }
        }
        outputs.sort(Comparator.comparing(o -> o.entry().name()));
        // mlx-lm's make_shards: a new shard when the next tensor would take this one past the limit
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> shard = new ArrayList<>();
        long size = 0;
        long total = 0;
        for (Output o : outputs) {
            long bytes = o.entry().byteSize();
            if (!shard.isEmpty() && size + bytes > shardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                size = 0;
            }
            shard.add(o.entry());
            size += bytes;
            total += bytes;
        }
        shards.add(shard);
        Map<String, SafetensorsWriter> writers = new LinkedHashMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        List<SafetensorsWriter> opened = new ArrayList<>();
        try {
            for (int i = 0; i < shards.size(); i++) {
                String file = shards.size() == 1 ? SafetensorsCheckpoint.SINGLE_FILE
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve(file), shards.get(i), Map.of("format", "mlx"));
                opened.add(writer);
                for (SafetensorsWriter.Entry e : shards.get(i)) {
                    writers.put(e.name(), writer);
                    weightMap.put(e.name(), file);
                }
            }
            for (MlxPlannedTensor t : plan) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("cancelled before tensor " + t.name());
                }
                convert(checkpoint.source(t.name()), t, writers, rounding);
            }
        } catch (RuntimeException e) {
            for (SafetensorsWriter w : opened) {
                try {
                    w.close();
                } catch (RuntimeException suppressed) {
                    // incomplete, as expected: the directory is deleted
                }
            }
            throw e;
        }
        for (SafetensorsWriter w : opened) {
            w.close();
        }
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode metadata = index.putObject("metadata");
        metadata.put("total_size", total);
        metadata.put("total_parameters", plan.stream().mapToLong(MlxPlannedTensor::elementCount).sum());
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        writeJson(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), index);
        return total;
    }

    /** Reads, casts and (for a quantized weight) quantizes one tensor in chunks of rows. */
    private static void convert(TensorSource source, MlxPlannedTensor t, Map<String, SafetensorsWriter> writers,
                                AffineRounding rounding) {
        int rowLength = Math.toIntExact(t.rowLength());
        long rows = t.rows();
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_VALUES / rowLength));
        GgmlType type = source.type();
        int width = (int) type.byteSize(1, 1);
        MlxQuantization q = t.quantization();
        MlxDtype dtype = t.dtype();
        for (long row = 0; row < rows; row += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - row);
            int count = n * rowLength;
            ByteBuffer in = source.bytes(row * rowLength * width, count * width);
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                float v = switch (type) {
                    case F32 -> in.getFloat(i * 4);
                    case F16 -> Fp16.toFloat(in.getShort(i * 2));
                    case BF16 -> Bf16.toFloat(in.getShort(i * 2));
                    default -> throw new IllegalStateException("unexpected source type " + type);
                };
                values[i] = dtype.round(v); // astype to the output dtype comes before quantizing, as in mlx-lm
            }
            if (q == null) {
                ByteBuffer out = buffer((long) count * dtype.byteWidth());
                for (float v : values) {
                    dtype.put(out, v);
                }
                writers.get(t.name()).write(t.name(), row * rowLength * dtype.byteWidth(), out.flip());
            } else {
                long words = q.packedRowWords(rowLength);
                long groups = q.groupsPerRow(rowLength);
                ByteBuffer wq = buffer(n * words * 4);
                ByteBuffer scales = buffer(n * groups * q.scaleBytes(dtype));
                ByteBuffer biases = buffer(n * groups * dtype.byteWidth());
                MlxKernels.quantize(values, n, rowLength, q, dtype, rounding, wq, scales, biases);
                writers.get(t.name()).write(t.name(), row * words * 4, wq.flip());
                String scalesName = t.module() + ".scales";
                writers.get(scalesName).write(scalesName, row * groups * q.scaleBytes(dtype), scales.flip());
                if (q.mode().hasBiases()) {
                    String biasesName = t.module() + ".biases";
                    writers.get(biasesName).write(biasesName, row * groups * dtype.byteWidth(), biases.flip());
                }
            }
        }
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** JSON as Python's {@code json.dump(..., indent=4)} lays it out. */
    static void writeJson(Path file, JsonNode node) throws IOException {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        Files.writeString(file, new ObjectMapper().writer(printer).writeValueAsString(node));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // nothing left to delete
        }
    }
}
