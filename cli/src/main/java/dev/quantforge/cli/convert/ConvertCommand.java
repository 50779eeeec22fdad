package dev.quantforge.cli.convert;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.cli.console.Written;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.QuantizeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "convert", description = {"Convert a Hugging Face checkpoint (llama, mistral, qwen2) to GGUF (the default) or to an ONNX Runtime",
        "decoder directory (--format onnx), streaming tensor by tensor.",
        "To convert and quantize to GGUF in one pass, give the directory to 'quantize' instead."})
public final class ConvertCommand implements Callable<Integer> {
    private static final List<GgmlType> OUT_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "directory with config.json, *.safetensors and the tokenizer")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write, or for --format onnx the directory to create")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "gguf", description = "gguf or onnx (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--outtype", paramLabel = "TYPE", description = "GGUF: f32, f16, bf16 or q8_0 for the matrices (default: f16)")
    String outType;

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

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
        String chosen = format.toLowerCase(java.util.Locale.ROOT);
        if (chosen.equals("onnx")) {
            return onnx();
        }
        if (!chosen.equals(Recipe.GGUF)) {
            throw new InvalidInputException("--format " + format + " is not supported; choose gguf or onnx");
        }
        if (precision != null || blockSize != null || symmetric || accuracyLevel != null || lmHead != null) {
            throw new InvalidInputException("--precision, --block-size, --symmetric, --accuracy-level and --lm-head are ONNX options; add --format onnx");
        }
        String outType = this.outType != null ? this.outType : "f16";
        GgmlType type = GgmlType.byName(outType).filter(OUT_TYPES::contains).orElseThrow(() ->
                new InvalidInputException("--outtype " + outType + " is not supported; choose f32, f16, bf16 or q8_0"));
        if (!Files.isDirectory(checkpoint)) {
            throw new InvalidInputException(checkpoint + ": not a directory; convert takes a Hugging Face checkpoint directory");
        }
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ModelQuantizer quantizer = ModelQuantizer.withThreads(Math.max(1, threadCount))
                .progress(ConsoleProgress.forConsole(progress));
        QuantizeResult result = HfConverter.convert(checkpoint, output, type, quantizer);
        Written.print(spec.commandLine().getOut(), result);
        return 0;
    }

    /** Through the engine's door, as the worker builds an ONNX target: the same recipe, the same checks. */
    private int onnx() {
        if (outType != null) {
            throw new InvalidInputException("--outtype is a GGUF option; ONNX takes --precision fp32|fp16|int8|int4");
        }
        if (!Files.isDirectory(checkpoint)) {
            throw new InvalidInputException(checkpoint + ": not a directory; convert takes a Hugging Face checkpoint directory");
        }
        java.util.SortedMap<String, String> settings = new java.util.TreeMap<>();
        if (blockSize != null) {
            settings.put("blockSize", blockSize.toString());
        }
        if (symmetric) {
            settings.put("symmetric", "true");
        }
        if (accuracyLevel != null) {
            settings.put("accuracyLevel", accuracyLevel.toString());
        }
        if (lmHead != null) {
            settings.put("lmHead", lmHead);
        }
        Recipe recipe = new Recipe("onnx", precision != null ? precision : "fp32", false, null, null, false, List.of(), settings);
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        QuantizeParams params = QuantizeParams.of(recipe, Math.max(1, threadCount));
        try (ModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            QuantizeResult result = Variants.build(source, output, params).written();
            Written.print(spec.commandLine().getOut(), result);
        }
        return 0;
    }
}
