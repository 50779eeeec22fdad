package dev.quantforge.cli.convert;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.cli.console.Written;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfConverter;
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

@Command(name = "convert", description = {"Convert a Hugging Face checkpoint (llama, mistral, qwen2) to GGUF, streaming tensor by tensor.",
        "To convert and quantize in one pass, give the directory to 'quantize' instead."})
public final class ConvertCommand implements Callable<Integer> {
    private static final List<GgmlType> OUT_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "directory with config.json, *.safetensors and the tokenizer")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write")
    Path output;

    @Option(names = "--outtype", paramLabel = "TYPE", defaultValue = "f16", description = "f32, f16, bf16 or q8_0 for the matrices (default: ${DEFAULT-VALUE})")
    String outType;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
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
}
