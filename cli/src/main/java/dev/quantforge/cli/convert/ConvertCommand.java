package dev.quantforge.cli.convert;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.cli.console.Written;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "convert", description = {"Convert a Hugging Face checkpoint (llama, mistral, qwen2) to GGUF (the default), to an ONNX Runtime",
        "decoder directory (--format onnx) or to a quantized MLX directory as mlx_lm.convert -q writes it (--format mlx),",
        "streaming tensor by tensor.",
        "To convert and quantize to GGUF in one pass, give the directory to 'quantize' instead."})
public final class ConvertCommand implements Callable<Integer> {
    private static final List<GgmlType> OUT_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "directory with config.json, *.safetensors and the tokenizer")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write, or (--format onnx|mlx) a new directory")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "gguf", description = "gguf, onnx or mlx (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--outtype", paramLabel = "TYPE", description = "GGUF: f32, f16, bf16 or q8_0 for the matrices (default: f16)")
    String outType;

    @Option(names = "--bits", paramLabel = "N", description = "MLX: 2, 3, 4, 5, 6 or 8 (default: the mode's, 4 for affine)")
    Integer bits;

    @Option(names = "--group-size", paramLabel = "N", description = "MLX: 32, 64 or 128 for affine (default: 64; mxfp4 32, nvfp4 16, mxfp8 32)")
    Integer groupSize;

    @Option(names = "--mode", paramLabel = "MODE", description = "MLX: affine, mxfp4, nvfp4 or mxfp8 (default: affine)")
    String mode;

    @Option(names = "--recipe", paramLabel = "RECIPE", description = "MLX: mixed_2_6, mixed_3_4, mixed_3_6 or mixed_4_6 (affine; mlx-lm's layer selection)")
    String recipe;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "MLX: float16, bfloat16 or float32 for what is not quantized, and the scales (default: config.json's torch_dtype)")
    String dtype;

    @Option(names = "--rounding", paramLabel = "RULE", description = "MLX affine kernel: metal (what mlx_lm.convert writes on an Apple GPU, the default) or cpu (MLX's CPU backend)")
    String rounding;

    @Option(names = "--precision", paramLabel = "P", description = "ONNX: fp32, fp16, int8 or int4 (default: fp32)")
    String precision;

    @Option(names = "--block-size", paramLabel = "N", description = "ONNX int4: 16, 32, 64, 128 or 256 elements per block (default: 32)")
    Integer blockSize;

    @Option(names = "--symmetric", description = "ONNX int4: symmetric blocks without zero points (default: asymmetric)")
    boolean symmetric;

    @Option(names = "--accuracy-level", paramLabel = "N", description = "ONNX int4: MatMulNBits accuracy_level 0-4 (default: 0)")
    Integer accuracyLevel;

    @Option(names = "--lm-head", paramLabel = "MODE", description = "ONNX int8/int4: quantize or float for the output projection (default: quantize)")
    String lmHead;

    @Option(names = "--activations", paramLabel = "DTYPE", description = "ONNX int8/int4: fp32 or fp16 activations, KV cache and logits (default: fp32)")
    String activations;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!List.of("gguf", "onnx", "mlx").contains(fmt)) {
            throw new InvalidInputException("--format " + format + " is not supported; choose gguf, onnx or mlx");
        }
        boolean mlxOptions = bits != null || groupSize != null || mode != null || recipe != null || dtype != null
                || rounding != null;
        boolean onnxOptions = precision != null || blockSize != null || symmetric || accuracyLevel != null || lmHead != null
                || activations != null;
        if (mlxOptions && !fmt.equals("mlx")) {
            throw new InvalidInputException("--bits, --group-size, --mode, --recipe, --dtype and --rounding are for --format mlx");
        }
        if (onnxOptions && !fmt.equals("onnx")) {
            throw new InvalidInputException("--precision, --block-size, --symmetric, --accuracy-level, --lm-head and --activations are for --format onnx");
        }
        if (outType != null && !fmt.equals("gguf")) {
            throw new InvalidInputException("--outtype is for GGUF; " + (fmt.equals("mlx")
                    ? "give --dtype (float16, bfloat16, float32) for MLX" : "ONNX takes --precision fp32|fp16|int8|int4"));
        }
        if (!Files.isDirectory(checkpoint)) {
            throw new InvalidInputException(checkpoint + ": not a directory; convert takes a Hugging Face checkpoint directory");
        }
        int threadCount = Math.max(1, threads != null ? threads : Runtime.getRuntime().availableProcessors());
        return switch (fmt) {
            case "mlx" -> build(new Recipe("mlx", "", false, null, null, false, List.of(), mlxSettings()), threadCount);
            case "onnx" -> build(new Recipe("onnx", precision != null ? precision : "fp32", false, null, null, false,
                    List.of(), onnxSettings()), threadCount);
            default -> gguf(threadCount);
        };
    }

    private int gguf(int threadCount) {
        String type = outType == null ? "f16" : outType;
        GgmlType ggml = GgmlType.byName(type).filter(OUT_TYPES::contains).orElseThrow(() ->
                new InvalidInputException("--outtype " + type + " is not supported; choose f32, f16, bf16 or q8_0"));
        ModelQuantizer quantizer = ModelQuantizer.withThreads(threadCount)
                .progress(ConsoleProgress.forConsole(progress));
        QuantizeResult result = HfConverter.convert(checkpoint, output, ggml, quantizer);
        Written.print(spec.commandLine().getOut(), result);
        return 0;
    }

    /** Through the engine's door, as the worker builds the same recipe: the same checks, the same output. */
    private int build(Recipe recipe, int threadCount) {
        // the target is checked before the checkpoint is opened, so that a bad option costs nothing
        QuantizeParams params = QuantizeParams.of(recipe, threadCount).withProgress(ConsoleProgress.forConsole(progress));
        if (Files.exists(output)) {
            throw new InvalidInputException(output + ": already exists; " + recipe.format().toUpperCase(Locale.ROOT)
                    + " output goes to a new directory");
        }
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            BuiltVariant built = Variants.build(source, output, params);
            Written.print(spec.commandLine().getOut(), built.written());
        }
        return 0;
    }

    private TreeMap<String, String> mlxSettings() {
        TreeMap<String, String> settings = new TreeMap<>();
        putIfSet(settings, "bits", bits);
        putIfSet(settings, "groupSize", groupSize);
        putIfSet(settings, "mode", mode);
        putIfSet(settings, "recipe", recipe);
        putIfSet(settings, "dtype", dtype);
        putIfSet(settings, "rounding", rounding);
        return settings;
    }

    private TreeMap<String, String> onnxSettings() {
        TreeMap<String, String> settings = new TreeMap<>();
        putIfSet(settings, "blockSize", blockSize);
        putIfSet(settings, "symmetric", symmetric ? "true" : null);
        putIfSet(settings, "accuracyLevel", accuracyLevel);
        putIfSet(settings, "lmHead", lmHead);
        putIfSet(settings, "activations", activations);
        return settings;
    }

    private static void putIfSet(TreeMap<String, String> settings, String key, Object value) {
        if (value != null) {
            settings.put(key, value.toString());
        }
    }
}
