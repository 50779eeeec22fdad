package dev.quantforge.engine.hf;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.NamedTensors;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.tokenizer.GgufVocabulary;
import dev.quantforge.engine.tokenizer.HfTokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint directory seen as a GGUF model: llama.cpp's metadata and tensor names,
 * tensors read lazily from the safetensors files with the q/k re-pairing and the output type applied
 * as pieces are read. Everything that can be wrong with the checkpoint (config, tensor set, shapes,
 * dtypes, tokenizer) is found when it is opened.
 */
public final class HfModelSource implements ModelSource {
    private static final int QUANTIZATION_VERSION = 2;
    /** Buffers some exporters leave in checkpoints; llama.cpp drops them too. */
    private static final List<String> IGNORED_SUFFIXES = List.of(".rotary_emb.inv_freq", ".attention.masked_bias", ".attention.bias");

    private final Path dir;
    private final NamedTensors checkpoint;
    private final Map<String, GgufValue> metadata;
    private final List<TensorSource> tensors;
    /** GGUF name → Hugging Face name of every tensor the architecture plans. */
    private final Map<String, String> checkpointNames;

    private HfModelSource(Path dir, NamedTensors checkpoint, Map<String, GgufValue> metadata, List<TensorSource> tensors,
                          Map<String, String> checkpointNames) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        this.checkpointNames = Map.copyOf(checkpointNames);
    }

    /**
     * Opens {@code dir} for conversion to {@code outputType}. To quantize, open with {@link OutputType#F32}:
     * F16 and BF16 checkpoints widen exactly, so the quantizer sees the checkpoint's own values.
     */
    public static HfModelSource open(Path dir, OutputType outputType) {
        return open(dir, SafetensorsCheckpoint::open, outputType);
    }

    /**
     * Opens {@code dir} (its config.json and tokenizer) with its tensors read through {@code weights}, which is
     * opened once the config and tokenizer are found valid and closed with this source: how an MLX directory
     * is read through its dequantizer.
     */
    public static HfModelSource open(Path dir, java.util.function.Function<Path, ? extends NamedTensors> weights,
                                     OutputType outputType) {
        HfConfig config = HfConfig.read(dir);
        String name = config.architecture();
        HfArchitecture architecture = HfArchitecture.byHfName(name).orElseThrow(() -> config.problem(
                "architecture " + name + " is not supported; supported: " + HfArchitecture.supported()));
        HfHyperparameters hp = HfHyperparameters.from(config, architecture);
        GgufVocabulary vocabulary = HfTokenizers.read(dir, config.json(), hp.vocabSize());
        NamedTensors checkpoint = weights.apply(dir);
        try {
            List<TensorSource> tensors = tensors(dir, checkpoint, architecture, hp, outputType);
            Map<String, GgufValue> metadata = metadata(dir, architecture, hp, outputType, vocabulary, tensors);
            Map<String, String> checkpointNames = new LinkedHashMap<>();
            PlannedTensor.plan(architecture, hp).values().forEach(p -> checkpointNames.put(p.ggufName(), p.hfName()));
            return new HfModelSource(dir, checkpoint, metadata, tensors, checkpointNames);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static List<TensorSource> tensors(Path dir, NamedTensors checkpoint, HfArchitecture architecture,
                                              HfHyperparameters hp, OutputType outputType) {
        Map<String, PlannedTensor> plan = PlannedTensor.plan(architecture, hp);
        List<TensorSource> tensors = new ArrayList<>();
        hp.ropeScaling().filter(s -> s.kind() == RopeScaling.Kind.LLAMA3).ifPresent(s -> tensors.add(
                new GeneratedTensor("rope_freqs.weight", s.llama3Factors(hp.ropeTheta().orElse(10000.0), hp.headDim()))));
        Set<String> found = new HashSet<>();
        for (String name : checkpoint.names()) {
            if (IGNORED_SUFFIXES.stream().anyMatch(name::endsWith) || (hp.tieWordEmbeddings() && name.equals("lm_head.weight"))) {
                continue;
            }
            PlannedTensor planned = plan.get(name);
            if (planned == null) {
                throw new InvalidInputException(checkpoint.fileOf(name) + ": tensor " + name + " is not part of a "
                        + architecture.hfName() + " as config.json describes it");
            }
            long[] shape = checkpoint.storedShape(name);
            if (!Arrays.equals(shape, planned.hfShape())) {
                throw new InvalidInputException(checkpoint.fileOf(name) + ": tensor " + name + " has shape " + Arrays.toString(shape)
                        + " but config.json implies " + Arrays.toString(planned.hfShape()));
            }
            TensorSource source = checkpoint.source(name);
            tensors.add(new ConvertedTensor(planned.ggufName(), source, typeOf(planned, outputType), planned.interleaveHeads()));
            found.add(name);
        }
        for (String name : plan.keySet()) {
            if (!found.contains(name)) {
                throw new InvalidInputException(dir + ": tensor " + name + " is missing"
                        + (name.equals("lm_head.weight") ? " (config.json says tie_word_embeddings is false)" : ""));
            }
        }
        return tensors;
    }

    /**
     * Writes a GGUF with the header of {@code dir}'s model and no tensors: enough for llama.cpp to load
     * its tokenizer alone ({@code vocab_only}). {@code dir} needs only config.json and the tokenizer files.
     */
    public static void writeVocabularyGguf(Path dir, Path target) {
        HfConfig config = HfConfig.read(dir);
        String name = config.architecture();
        HfArchitecture architecture = HfArchitecture.byHfName(name).orElseThrow(() -> config.problem(
                "architecture " + name + " is not supported; supported: " + HfArchitecture.supported()));
        HfHyperparameters hp = HfHyperparameters.from(config, architecture);
        GgufVocabulary vocabulary = HfTokenizers.read(dir, config.json(), hp.vocabSize());
        Map<String, GgufValue> kv = metadata(dir, architecture, hp, OutputType.F32, vocabulary, List.of());
        try (dev.quantforge.engine.gguf.GgufWriter writer = dev.quantforge.engine.gguf.GgufWriter.create(target, kv, List.of())) {
            writer.commit();
        }
    }

    /** As llama.cpp: vectors, norms and biases stay F32; matrices take the output type. */
    private static GgmlType typeOf(PlannedTensor tensor, OutputType outputType) {
        return isMatrix(tensor.ggufName(), tensor.hfShape().length) ? outputType.ggmlType() : GgmlType.F32;
    }

    /** Whether a converted tensor takes the output type (a weight matrix) or stays F32 (vectors, norms, biases). */
    public static boolean isMatrix(String ggufName, int dimensions) {
        return dimensions >= 2 && !ggufName.endsWith("_norm.weight") && ggufName.endsWith(".weight");
    }

    /** The header llama.cpp's converter writes, in its order. */
    private static Map<String, GgufValue> metadata(Path dir, HfArchitecture architecture, HfHyperparameters hp,
                                                   OutputType outputType, GgufVocabulary vocabulary, List<TensorSource> tensors) {
        String arch = architecture.ggufName();
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.ofString(arch));
        kv.put("general.type", GgufValue.ofString("model"));
        kv.put("general.name", GgufValue.ofString(dir.toAbsolutePath().normalize().getFileName().toString()));
        kv.put("general.size_label", GgufValue.ofString(sizeLabel(tensors.stream().mapToLong(TensorSource::elementCount).sum())));
        kv.put(arch + ".block_count", GgufValue.ofUint32(hp.blockCount()));
        kv.put(arch + ".context_length", GgufValue.ofUint32(hp.contextLength()));
        kv.put(arch + ".embedding_length", GgufValue.ofUint32(hp.embeddingLength()));
        kv.put(arch + ".feed_forward_length", GgufValue.ofUint32(hp.feedForwardLength()));
        kv.put(arch + ".attention.head_count", GgufValue.ofUint32(hp.headCount()));
        kv.put(arch + ".attention.head_count_kv", GgufValue.ofUint32(hp.headCountKv()));
        hp.ropeScaling().ifPresent(s -> ropeScaling(kv, arch, s));
        hp.ropeTheta().ifPresent(theta -> kv.put(arch + ".rope.freq_base", GgufValue.ofFloat32(theta.floatValue())));
        kv.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.ofFloat32((float) hp.rmsNormEps()));
        kv.put(arch + ".attention.key_length", GgufValue.ofUint32(hp.headDim()));
        kv.put(arch + ".attention.value_length", GgufValue.ofUint32(hp.headDim()));
        kv.put("general.file_type", GgufValue.ofUint32(outputType.fileType()));
        if (arch.equals("llama")) {
            kv.put(arch + ".vocab_size", GgufValue.ofUint32(hp.vocabSize()));
            kv.put(arch + ".rope.dimension_count", GgufValue.ofUint32(hp.headDim()));
        }
        kv.put("general.quantization_version", GgufValue.ofUint32(QUANTIZATION_VERSION));
        kv.putAll(vocabulary.metadata());
        return kv;
    }

    private static void ropeScaling(Map<String, GgufValue> kv, String arch, RopeScaling s) {
        if (s.kind() == RopeScaling.Kind.LLAMA3) {
            return; // carried by the rope_freqs.weight tensor
        }
        kv.put(arch + ".rope.scaling.type", GgufValue.ofString(s.kind().name().toLowerCase(Locale.ROOT)));
        kv.put(arch + ".rope.scaling.factor", GgufValue.ofFloat32((float) s.factor()));
        if (s.kind() == RopeScaling.Kind.YARN) {
            kv.put(arch + ".rope.scaling.original_context_length", GgufValue.ofUint32(s.originalContext()));
            putFloat(kv, arch + ".rope.scaling.yarn_ext_factor", s.yarnExtFactor());
            putFloat(kv, arch + ".rope.scaling.yarn_attn_factor", s.yarnAttnFactor());
            putFloat(kv, arch + ".rope.scaling.yarn_beta_fast", s.yarnBetaFast());
            putFloat(kv, arch + ".rope.scaling.yarn_beta_slow", s.yarnBetaSlow());
        }
    }

    private static void putFloat(Map<String, GgufValue> kv, String key, Double value) {
        if (value != null) {
            kv.put(key, GgufValue.ofFloat32(value.floatValue()));
        }
    }

    /** {@code general.size_label} as gguf-py rounds it: "260K", "1.5B", "8.0B", "70B". */
    static String sizeLabel(long parameters) {
        double scaled;
        String suffix;
        if (parameters > 1e12) {
            scaled = parameters * 1e-12;
            suffix = "T";
        } else if (parameters > 1e9) {
            scaled = parameters * 1e-9;
            suffix = "B";
        } else if (parameters > 1e6) {
            scaled = parameters * 1e-6;
            suffix = "M";
        } else {
            scaled = parameters * 1e-3;
            suffix = "K";
        }
        String integral = Long.toString(Math.round(scaled)).replaceFirst("^0+", "");
        int decimals = Math.max(2 - integral.length(), 0);
        return String.format(Locale.ROOT, "%." + decimals + "f", scaled) + suffix;
    }

    @Override
    public String description() {
        return dir.toString();
    }

    /** The checkpoint directory (formats that export from the original tensors, such as ONNX, read it again). */
    public Path directory() {
        return dir;
    }

    /**
     * The checkpoint's own tensors, under their Hugging Face names and as stored (what formats that keep those
     * names, like MLX, read); valid until this source is closed.
     */
    public SafetensorsCheckpoint checkpoint() {
        if (checkpoint instanceof SafetensorsCheckpoint safetensors) {
            return safetensors;
        }
        throw new IllegalStateException(dir + ": read through " + checkpoint.getClass().getSimpleName()
                + ", not as a safetensors checkpoint");
    }

    /** The Hugging Face name of the tensor this source calls {@code ggufName}; empty for generated tensors. */
    public Optional<String> checkpointName(String ggufName) {
        return Optional.ofNullable(checkpointNames.get(ggufName));
    }

    @Override
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Tensors in checkpoint name order (the same for a single file and its shards), generated ones first. */
    @Override
    public List<TensorSource> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
