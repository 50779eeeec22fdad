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

@Command(name = "convert", description = {"Convert a Hugging Face checkpoint (llama, mistral, qwen2) to GGUF, streaming tensor by tensor,",
        "or with --format mlx to a quantized MLX directory as mlx_lm.convert -q writes it.",
        "To convert and quantize to GGUF in one pass, give the directory to 'quantize' instead."})
public final class ConvertCommand implements Callable<Integer> {
    private static final List<GgmlType> OUT_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "directory with config.json, *.safetensors and the tokenizer")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write, or (--format mlx) a new directory")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "gguf", description = "gguf or mlx (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("gguf") && !fmt.equals("mlx")) {
            throw new InvalidInputException("--format " + format + " is not supported; choose gguf or mlx");
        }
        if (!Files.isDirectory(checkpoint)) {
            throw new InvalidInputException(checkpoint + ": not a directory; convert takes a Hugging Face checkpoint directory");
        }
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (fmt.equals("mlx")) {
            return mlx(Math.max(1, threadCount));
        }
        if (bits != null || groupSize != null || mode != null || recipe != null || dtype != null || rounding != null) {
            throw new InvalidInputException("--bits, --group-size, --mode, --recipe, --dtype and --rounding are for --format mlx");
        }
        String type = outType == null ? "f16" : outType;
        GgmlType ggml = GgmlType.byName(type).filter(OUT_TYPES::contains).orElseThrow(() ->
                new InvalidInputException("--outtype " + type + " is not supported; choose f32, f16, bf16 or q8_0"));
        ModelQuantizer quantizer = ModelQuantizer.withThreads(threadCount)
                .progress(ConsoleProgress.forConsole(progress));
        QuantizeResult result = HfConverter.convert(checkpoint, output, ggml, quantizer);
        Written.print(spec.commandLine().getOut(), result);
        return 0;
    }

    private int mlx(int threadCount) {
        if (outType != null) {
            throw new InvalidInputException("--outtype is for GGUF; give --dtype (float16, bfloat16, float32) for MLX");
        }
        TreeMap<String, String> settings = new TreeMap<>();
        if (bits != null) {
            settings.put("bits", bits.toString());
        }
        if (groupSize != null) {
            settings.put("groupSize", groupSize.toString());
        }
        putIfSet(settings, "mode", mode);
        putIfSet(settings, "recipe", recipe);
        putIfSet(settings, "dtype", dtype);
        putIfSet(settings, "rounding", rounding);
        // the target is checked before the checkpoint is opened, so that a bad option costs nothing
        QuantizeParams params = QuantizeParams.of(new Recipe("mlx", "", false, null, null, false, List.of(), settings),
                threadCount);
        if (Files.exists(output)) {
            throw new InvalidInputException(output + ": already exists; MLX output goes to a new directory");
        }
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            BuiltVariant built = Variants.build(source, output, params);
            Written.print(spec.commandLine().getOut(), built.written());
        }
        return 0;
    }

    private static void putIfSet(TreeMap<String, String> settings, String key, String value) {
        if (value != null) {
            settings.put(key, value);
        }
    }
}
