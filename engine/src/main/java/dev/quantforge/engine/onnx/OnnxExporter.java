package dev.quantforge.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.EngineVersion;
import dev.quantforge.engine.hf.HfArchitecture;
import dev.quantforge.engine.hf.HfConfig;
import dev.quantforge.engine.hf.HfHyperparameters;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.tokenizer.HfTokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Exports a Hugging Face llama/mistral/qwen2 checkpoint as an ONNX Runtime decoder directory:
 * {@code model.onnx}, {@code model.onnx.data}, {@code genai_config.json}, the tokenizer files and
 * {@code config.json} of the source, and a {@code README.md} card. Everything is written into a temporary
 * sibling of the output, checked by loading it in ONNX Runtime, and renamed into place only when complete;
 * any failure leaves no output behind.
 */
public final class OnnxExporter {
    public static final String MODEL = "model.onnx";
    public static final String DATA = "model.onnx.data";
    public static final String GENAI_CONFIG = "genai_config.json";
    /** Files of the source copied beside the model, when present. */
    static final List<String> SOURCE_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
            "merges.txt");

    /** What an export wrote. */
    public record Result(Path output, long bytes, long tensorBytes, long parameters, int tensors, Duration elapsed) {
    }

    private OnnxExporter() {
    }

    /** Whether {@code path} is a directory holding an ONNX model as this exporter writes it. */
    public static boolean isOnnxDirectory(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(MODEL));
    }

    /**
     * @param tensorDone called with each source tensor's name once it is written, in order
     * @param cancelled  polled before each tensor; true stops the export and leaves nothing behind
     */
    public static Result export(Path source, Path output, OnnxExportOptions options, Consumer<String> tensorDone,
                                BooleanSupplier cancelled) {
        long started = System.nanoTime();
        HfConfig config = HfConfig.read(source);
        String name = config.architecture();
        HfArchitecture architecture = HfArchitecture.byHfName(name).orElseThrow(() -> new InvalidInputException(
                config.file() + ": architecture " + name + " cannot be exported to ONNX; supported: " + HfArchitecture.supported()));
        HfHyperparameters hp = HfHyperparameters.from(config, architecture);
        if (hp.headDim() % 2 != 0) {
            throw new InvalidInputException(config.file() + ": head dimension " + hp.headDim() + " is odd; RoPE needs pairs");
        }
        HfTokenizers.read(source, config.json(), hp.vocabSize()); // a missing or unreadable tokenizer fails here
        Path parent = output.toAbsolutePath().normalize().getParent();
        if (Files.exists(output) && !isOnnxDirectory(output)) {
            throw new InvalidInputException(output + " exists and is not an ONNX variant directory; remove it or choose another output");
        }
        Path temporary = parent.resolve("." + output.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(source)) {
            requireTensors(source, checkpoint, architecture, hp);
            Files.createDirectories(temporary);
            long tensorBytes;
            long parameters;
            int tensors;
            OnnxGraph graph;
            try (WeightWriter weights = new WeightWriter(temporary.resolve(DATA))) {
                graph = new DecoderGraph(architecture, hp, checkpoint, options, weights, tensor -> {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("ONNX export cancelled after " + tensor);
                    }
                    tensorDone.accept(tensor);
                }).build();
                tensorBytes = weights.tensorBytes();
                parameters = weights.parameters();
                tensors = weights.tensors();
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("quantforge.source", source.toAbsolutePath().normalize().getFileName().toString());
            metadata.put("quantforge.architecture", architecture.hfName());
            metadata.put("quantforge.precision", options.name());
            Files.write(temporary.resolve(MODEL), graph.toModel("quantforge", EngineVersion.get(), metadata));
            for (String file : SOURCE_FILES) {
                if (Files.isRegularFile(source.resolve(file))) {
                    Files.copy(source.resolve(file), temporary.resolve(file));
                }
            }
            writeGenaiConfig(temporary.resolve(GENAI_CONFIG), config, architecture, hp, options);
            Files.writeString(temporary.resolve("README.md"), card(source, architecture, hp, options, tensorBytes, parameters));
            if (options.verify()) {
                OnnxDecoder.verifyLoads(temporary);
            }
            if (Files.exists(output)) {
                deleteTree(output);
            }
            Files.move(temporary, output, StandardCopyOption.ATOMIC_MOVE);
            long bytes = 0;
            try (var files = Files.list(output)) {
                for (Path f : files.toList()) {
                    bytes += Files.size(f);
                }
            }
            return new Result(output, bytes, tensorBytes, parameters, tensors, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            deleteTree(temporary);
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            deleteTree(temporary);
            throw e;
        }
    }

    /** Every tensor the graph uses is in the checkpoint with the shape config.json implies. */
    private static void requireTensors(Path dir, SafetensorsCheckpoint checkpoint, HfArchitecture architecture,
                                       HfHyperparameters hp) {
        Map<String, long[]> expected = expectedTensors(architecture, hp);
        expected.forEach((tensor, shape) -> {
            SafetensorsTensorInfo info = checkpoint.info(tensor).orElseThrow(() -> new InvalidInputException(dir
                    + ": tensor " + tensor + " is missing" + (tensor.equals("lm_head.weight")
                    ? " (config.json says tie_word_embeddings is false)" : "")));
            if (!Arrays.equals(info.shape(), shape)) {
                throw new InvalidInputException(checkpoint.fileOf(tensor) + ": tensor " + tensor + " has shape "
                        + info.shapeText() + " but config.json implies " + Arrays.toString(shape));
            }
        });
    }

    /** The checkpoint tensors the graph reads, with the Hugging Face shapes config.json implies, in graph order. */
    static Map<String, long[]> expectedTensors(HfArchitecture architecture, HfHyperparameters hp) {
        long h = hp.embeddingLength();
        long q = (long) hp.headCount() * hp.headDim();
        long kv = (long) hp.headCountKv() * hp.headDim();
        long f = hp.feedForwardLength();
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("model.embed_tokens.weight", new long[]{hp.vocabSize(), h});
        boolean qkvBias = architecture.qkvBias() || hp.attentionBias();
        for (int i = 0; i < hp.blockCount(); i++) {
            String p = "model.layers." + i + ".";
            expected.put(p + "input_layernorm.weight", new long[]{h});
            expected.put(p + "self_attn.q_proj.weight", new long[]{q, h});
            expected.put(p + "self_attn.k_proj.weight", new long[]{kv, h});
            expected.put(p + "self_attn.v_proj.weight", new long[]{kv, h});
            if (qkvBias) {
                expected.put(p + "self_attn.q_proj.bias", new long[]{q});
                expected.put(p + "self_attn.k_proj.bias", new long[]{kv});
                expected.put(p + "self_attn.v_proj.bias", new long[]{kv});
            }
            expected.put(p + "self_attn.o_proj.weight", new long[]{h, q});
            if (hp.attentionBias()) {
                expected.put(p + "self_attn.o_proj.bias", new long[]{h});
            }
            expected.put(p + "post_attention_layernorm.weight", new long[]{h});
            expected.put(p + "mlp.gate_proj.weight", new long[]{f, h});
            expected.put(p + "mlp.up_proj.weight", new long[]{f, h});
            expected.put(p + "mlp.down_proj.weight", new long[]{h, f});
            if (hp.mlpBias()) {
                expected.put(p + "mlp.gate_proj.bias", new long[]{f});
                expected.put(p + "mlp.up_proj.bias", new long[]{f});
                expected.put(p + "mlp.down_proj.bias", new long[]{h});
            }
        }
        expected.put("model.norm.weight", new long[]{h});
        if (!hp.tieWordEmbeddings()) {
            expected.put("lm_head.weight", new long[]{hp.vocabSize(), h});
        }
        return expected;
    }

    /**
     * What an export of {@code source} writes, tensor by tensor (the lm_head of tied embeddings is a tensor of
     * its own), without writing anything. Fails as {@link #export} would on a bad checkpoint.
     */
    public static List<OnnxPlannedTensor> plan(Path source, OnnxExportOptions options) {
        HfConfig config = HfConfig.read(source);
        String name = config.architecture();
        HfArchitecture architecture = HfArchitecture.byHfName(name).orElseThrow(() -> new InvalidInputException(
                config.file() + ": architecture " + name + " cannot be exported to ONNX; supported: " + HfArchitecture.supported()));
        HfHyperparameters hp = HfHyperparameters.from(config, architecture);
        HfTokenizers.read(source, config.json(), hp.vocabSize());
        List<OnnxPlannedTensor> out = new ArrayList<>();
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(source)) {
            requireTensors(source, checkpoint, architecture, hp);
            Map<String, long[]> tensors = expectedTensors(architecture, hp);
            if (hp.tieWordEmbeddings()) {
                tensors.put("lm_head.weight", new long[]{hp.vocabSize(), hp.embeddingLength()});
            }
            tensors.forEach((tensor, shape) -> {
                String stored = tensor.equals("lm_head.weight") && hp.tieWordEmbeddings() ? "model.embed_tokens.weight" : tensor;
                String sourceType = checkpoint.info(stored).orElseThrow().dtype().name();
                out.add(planned(tensor, shape, sourceType, options));
            });
        }
        return out;
    }

    private static OnnxPlannedTensor planned(String tensor, long[] shape, String sourceType, OnnxExportOptions options) {
        long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        boolean half = options.activationType() == OnnxDataType.FLOAT16;
        boolean matmul = shape.length == 2 && !tensor.equals("model.embed_tokens.weight");
        boolean quantize = matmul && (!tensor.equals("lm_head.weight") || options.quantizeLmHead());
        if (!matmul || !quantize || !options.precision().quantized()) {
            String type = (half ? "float16" : "float32") + (matmul ? " MatMul" : tensor.equals("model.embed_tokens.weight") ? " Gather" : "");
            return new OnnxPlannedTensor(tensor, shape, sourceType, type, elements * (half ? 2 : 4), elements, false);
        }
        long n = shape[0];
        int k = Math.toIntExact(shape[1]);
        if (options.precision() == OnnxPrecision.INT8) {
            return new OnnxPlannedTensor(tensor, shape, sourceType, "int8 per-channel DequantizeLinear",
                    elements + 4 * n, elements, true);
        }
        int b = options.blockSize();
        long bytes = n * Int4Blocks.columnBytes(k, b) + (half ? 2 : 4) * n * Int4Blocks.blocks(k, b)
                + (options.symmetric() ? 0 : n * Int4Blocks.zeroPointBytes(k, b));
        return new OnnxPlannedTensor(tensor, shape, sourceType, "int4 MatMulNBits b" + b + (options.symmetric() ? " sym" : " asym")
                + (half ? " float16 scales" : ""), bytes, elements, true);
    }

    /**
     * onnxruntime-genai's config: model type, I/O names, context length, special tokens, greedy search defaults.
     * The I/O dtypes (float16 past/present/logits with fp16 activations) are not spelled here: onnxruntime-genai
     * reads them from the model's inputs and outputs, and its config has no key for them.
     */
    private static void writeGenaiConfig(Path file, HfConfig config, HfArchitecture architecture, HfHyperparameters hp,
                                         OnnxExportOptions options) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode model = root.putObject("model");
        JsonNode json = config.json();
        model.put("bos_token_id", json.path("bos_token_id").asInt(1));
        model.put("context_length", hp.contextLength());
        ObjectNode decoder = model.putObject("decoder");
        ObjectNode session = decoder.putObject("session_options");
        session.put("log_id", "onnxruntime-genai");
        session.putArray("provider_options");
        decoder.put("filename", MODEL);
        decoder.put("head_size", hp.headDim());
        decoder.put("hidden_size", hp.embeddingLength());
        ObjectNode inputs = decoder.putObject("inputs");
        inputs.put("input_ids", DecoderGraph.INPUT_IDS);
        inputs.put("attention_mask", DecoderGraph.ATTENTION_MASK);
        inputs.put("position_ids", DecoderGraph.POSITION_IDS);
        inputs.put("past_key_names", "past_key_values.%d.key");
        inputs.put("past_value_names", "past_key_values.%d.value");
        ObjectNode outputs = decoder.putObject("outputs");
        outputs.put("logits", DecoderGraph.LOGITS);
        outputs.put("present_key_names", "present.%d.key");
        outputs.put("present_value_names", "present.%d.value");
        decoder.put("num_attention_heads", hp.headCount());
        decoder.put("num_hidden_layers", hp.blockCount());
        decoder.put("num_key_value_heads", hp.headCountKv());
        JsonNode eos = json.path("eos_token_id");
        if (eos.isArray() || eos.isInt()) {
            model.set("eos_token_id", eos);
        } else {
            model.put("eos_token_id", 2);
        }
        JsonNode pad = json.path("pad_token_id");
        model.put("pad_token_id", pad.isInt() ? pad.asInt() : (eos.isInt() ? eos.asInt() : 0));
        model.put("type", architecture == HfArchitecture.QWEN2 ? "qwen2" : architecture == HfArchitecture.MISTRAL ? "mistral" : "llama");
        model.put("vocab_size", hp.vocabSize());
        ObjectNode search = root.putObject("search");
        search.put("diversity_penalty", 0.0);
        search.put("do_sample", false);
        search.put("early_stopping", true);
        search.put("length_penalty", 1.0);
        search.put("max_length", hp.contextLength());
        search.put("min_length", 0);
        search.put("no_repeat_ngram_size", 0);
        search.put("num_beams", 1);
        search.put("num_return_sequences", 1);
        // the graph concatenates past and new keys (no shared buffer, unlike GroupQueryAttention models)
        search.put("past_present_share_buffer", false);
        search.put("repetition_penalty", 1.0);
        search.put("temperature", 1.0);
        search.put("top_k", 1);
        search.put("top_p", 1.0);
        mapper.writeValue(file.toFile(), root);
    }

    private static String card(Path source, HfArchitecture architecture, HfHyperparameters hp, OnnxExportOptions options,
                               long tensorBytes, long parameters) {
        boolean half = options.activationType() == OnnxDataType.FLOAT16;
        String activations = half ? "float16 activations, KV cache and logits" : "float32 activations";
        String precision = switch (options.precision()) {
            case FP32 -> "float32 weights and activations";
            case FP16 -> "float16 weights, activations and KV cache";
            case INT8 -> "int8 weights (per output channel, symmetric, float32 scales; DequantizeLinear → "
                    + (half ? "Cast → " : "") + "MatMul), " + activations;
            case INT4 -> String.format(Locale.ROOT, "int4 weights in MatMulNBits (block %d, %s, accuracy_level %d, %s scales), %s",
                    options.blockSize(), options.symmetric() ? "symmetric" : "asymmetric", options.accuracyLevel(),
                    half ? "float16" : "float32", activations);
        };
        String lmHead = options.precision().quantized()
                ? (options.quantizeLmHead() ? "quantized like the other MatMuls" : "kept " + (half ? "float16" : "float32"))
                : "as the other MatMuls";
        return "# " + source.toAbsolutePath().normalize().getFileName() + " — ONNX " + options.name() + "\n\n"
                + "Converted by quantforge " + EngineVersion.get() + " (" + EngineVersion.commit() + ") from a Hugging Face "
                + architecture.hfName() + " checkpoint, for ONNX Runtime (CPU tested; opset 17 + com.microsoft).\n\n"
                + "| | |\n| --- | --- |\n"
                + "| precision | " + precision + " |\n"
                + "| token embedding | " + (half ? "float16" : "float32") + " (Gather) |\n"
                + "| lm_head | " + lmHead + (hp.tieWordEmbeddings() ? " (tied to the embedding in the source)" : "") + " |\n"
                + String.format(Locale.ROOT, "| parameters | %,d |%n| tensor data | %,d bytes (%.2f bits per weight) |%n",
                parameters, tensorBytes, parameters == 0 ? 0 : tensorBytes * 8.0 / parameters)
                + "| layers / heads / kv heads / head dim | " + hp.blockCount() + " / " + hp.headCount() + " / "
                + hp.headCountKv() + " / " + hp.headDim() + " |\n"
                + "| context | " + hp.contextLength() + " |\n\n"
                + "Inputs: `input_ids`, `attention_mask`, `position_ids` (int64), `past_key_values.{i}.key/value` "
                + "[batch, kv_heads, past, head_dim]. Outputs: `logits` [batch, seq, vocab], `present.{i}.key/value`. "
                + "Past, present and logits are " + (half ? "float16" : "float32") + ".\n"
                + "`genai_config.json` describes them for onnxruntime-genai.\n";
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort: a leftover temporary directory is named as one
        }
    }

}
