package dev.quantforge.cli.quantize;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.cli.console.Written;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.onnx.quantize.OnnxPreset;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizeOptions;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizer;
import dev.quantforge.engine.variant.GgufTarget;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Target;
import dev.quantforge.engine.variant.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "quantize", sortOptions = false,
        description = {"Quantize a model the way llama-quantize does, byte for byte.",
                "FTYPE is a llama.cpp file type (Q4_K_M, Q8_0, …); with --uniform, a ggml type (q4_K, iq4_nl, …).",
                "An INPUT.onnx is quantized as ONNX Runtime's quantizers do: FTYPE int8-dynamic (quantize_dynamic),",
                "int8-static (QDQ with quantize_static's op set, calibrated over --calibration-data) or int4 (MatMulNBits)."})
public final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "GGUF file (F32/F16/BF16), or an .onnx model")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write")
    Path output;

    @Parameters(index = "2", paramLabel = "FTYPE", description = "llama.cpp file type, e.g. Q4_K_M (a ggml type with --uniform); int8-dynamic, int8-static or int4 for ONNX")
    String fileType;

    @Option(names = "--per-channel", description = "ONNX: one scale per weight column instead of per tensor")
    boolean perChannel;

    @Option(names = "--reduce-range", description = "ONNX: 7-bit weights (-64..64), for CPUs without VNNI")
    boolean reduceRange;

    @Option(names = "--exclude", split = ",", paramLabel = "NODE_OR_OP", description = "ONNX: node names or op types to keep float (repeatable, comma-separated)")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--preset", paramLabel = "NAME", description = "ONNX: Optimum's AutoQuantizationConfig preset avx2 (uint8 weights), avx512, avx512_vnni or arm64 (int8 weights): per channel; int8-dynamic quantizes MatMul, int8-static MatMul and Add with uint8 activations; tensorrt (int8-static only): symmetric int8, QDQ pairs on weights, a pair per consumer")
    String preset;

    @Option(names = "--calibration-data", paramLabel = "FILE", description = "ONNX int8-static: a .npz of input tensors (numpy.savez, one array per model input named after it, examples along the first dimension), or text, one example per line (tokenized with the tokenizer.json next to the model)")
    Path calibrationData;

    @Option(names = "--calibration", paramLabel = "METHOD", description = "ONNX int8-static: minmax (default), entropy or percentile, with ONNX Runtime's default settings")
    String calibration = "minmax";

    @Option(names = "--block-size", paramLabel = "N", description = "ONNX int4: weights per MatMulNBits block (power of two, >= 16; default 32)")
    int blockSize = 32;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "importance matrix (llama.cpp's GGUF imatrix layout)")
    Path imatrixFile;

    @Option(names = "--pure", description = "every quantized tensor gets the file type's default type: no mixture")
    boolean pure;

    @Option(names = "--output-tensor-type", paramLabel = "T", description = "type of output.weight")
    String outputTensorType;

    @Option(names = "--token-embedding-type", paramLabel = "T", description = "type of token_embd.weight")
    String tokenEmbeddingType;

    @Option(names = "--leave-output-tensor", description = "keep output.weight as it is")
    boolean leaveOutputTensor;

    @Option(names = "--tensor-type", paramLabel = "REGEX=T", description = "type for the tensors whose name matches (repeatable)")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--uniform", description = "every 2-D tensor whose rows fit FTYPE's blocks becomes FTYPE; the rest is copied, in source order")
    boolean uniform;

    @Option(names = "--allow-requantize", description = "accept an already quantized input (it is decoded to F32 first)")
    boolean allowRequantize;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores); the output does not depend on it")
    Integer threads;

    @Option(names = "--dry-run", description = "print the per-tensor plan, total size and bits per weight; write nothing")
    boolean dryRun;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (OnnxQuantizer.isOnnxFile(input)) {
            return onnx(out);
        }
        if (perChannel || reduceRange || !exclude.isEmpty() || blockSize != 32 || calibrationData != null || preset != null) {
            throw new InvalidInputException("--per-channel, --reduce-range, --exclude, --block-size, --calibration-data and --preset apply to .onnx inputs only");
        }
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Target target = uniform
                ? GgufTarget.uniform(ggmlType(fileType))
                : QuantizeParams.target(new Recipe(Recipe.GGUF, fileType, pure, outputTensorType, tokenEmbeddingType,
                        leaveOutputTensor, tensorTypes));
        QuantizeParams params = QuantizeParams.of(target, threadCount)
                .withImatrix(imatrixFile == null ? null : ImportanceMatrix.read(imatrixFile))
                .withAllowRequantize(allowRequantize)
                .withProgress(ConsoleProgress.forConsole(progress));
        try (ModelSource model = ModelSources.open(input)) {
            if (dryRun) {
                out.print(Variants.plan(model, params).table());
                return 0;
            }
            Written.print(out, Variants.build(model, output, params).written());
            return 0;
        }
    }

    /** An ONNX model: the plan (nodes quantized, kept float, unsupported), then the file written. */
    private int onnx(PrintWriter out) {
        OnnxQuantizeOptions.Method method = OnnxQuantizeOptions.Method.parse(fileType);
        OnnxQuantizeOptions options = preset != null
                ? OnnxPreset.parse(preset).options(method, reduceRange, exclude)
                        .withCalibration(calibrationData, OnnxQuantizeOptions.Calibration.parse(calibration))
                : new OnnxQuantizeOptions(method, perChannel, reduceRange, exclude, blockSize, calibrationData,
                        OnnxQuantizeOptions.Calibration.parse(calibration));
        if (dryRun) {
            out.print(OnnxQuantizer.plan(input, options).table());
            return 0;
        }
        OnnxQuantizer.Result result = OnnxQuantizer.quantize(input, output, options);
        out.print(result.plan().table());
        out.println(result.summary());
        return 0;
    }

    private static GgmlType ggmlType(String name) {
        return GgmlType.byName(name).orElseThrow(() -> new InvalidInputException("FTYPE: unknown ggml type " + name));
    }
}
