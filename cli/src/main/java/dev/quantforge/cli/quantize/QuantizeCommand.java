package dev.quantforge.cli.quantize;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeProgress;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;
import dev.quantforge.engine.quantize.UniformPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

@Command(name = "quantize", sortOptions = false,
        description = {"Quantize a model the way llama-quantize does, byte for byte.",
                "FTYPE is a llama.cpp file type (Q4_K_M, Q8_0, …); with --uniform, a ggml type applied to every eligible tensor."})
public final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "GGUF file (F32/F16/BF16)")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write")
    Path output;

    @Parameters(index = "2", paramLabel = "FTYPE", description = "file type, e.g. Q4_K_M (or a ggml type with --uniform)")
    String fileType;

    @Option(names = "--uniform", description = "every 2-D tensor whose row length fits the type's blocks becomes FTYPE (a ggml type); the rest is copied")
    boolean uniform;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "importance matrix (GGUF imatrix layout)")
    Path imatrixFile;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores); the output does not depend on it")
    Integer threads;

    @Option(names = "--dry-run", description = "print the per-tensor plan and sizes; write nothing")
    boolean dryRun;

    @Option(names = "--allow-requantize", description = "accept an already quantized input")
    boolean allowRequantize;

    @Option(names = "--progress", description = "show progress on stderr even when it is not a terminal")
    boolean progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!uniform) {
            throw new InvalidInputException("mixture file types are not available yet; use --uniform TYPE");
        }
        GgmlType type = GgmlType.byName(fileType).orElseThrow(() ->
                new InvalidInputException("unknown ggml type " + fileType));
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (threadCount < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threadCount);
        }
        ImportanceMatrix imatrix = imatrixFile == null ? null : ImportanceMatrix.read(imatrixFile);
        try (ModelSource model = ModelSources.open(input)) {
            List<TensorJob> jobs = UniformPlan.jobs(model, type, imatrix);
            refuseRequantization(jobs);
            if (dryRun) {
                PlanTable.print(out, jobs);
                return 0;
            }
            if (Files.isDirectory(output)) {
                throw new InvalidInputException(output + ": is a directory; give the output file's name");
            }
            var metadata = OutputMetadata.of(model.metadata(), OptionalInt.empty(), type.isQuantized(), imatrix);
            QuantizeProgress listener = ConsoleProgress.wanted(progress)
                    ? new ConsoleProgress(System.err) : QuantizeProgress.NONE;
            QuantizeResult result = ModelQuantizer.withThreads(threadCount).progress(listener)
                    .write(model.description(), metadata, jobs, output);
            out.printf(Locale.ROOT, "wrote %s: %d tensors, %.2f MB, %.3f bits per weight, %.1f s%n",
                    result.output(), result.tensors(), result.fileBytes() / 1e6, result.bitsPerWeight(),
                    result.elapsed().toMillis() / 1000.0);
            return 0;
        }
    }

    private void refuseRequantization(List<TensorJob> jobs) {
        if (allowRequantize) {
            return;
        }
        jobs.stream().filter(j -> !j.isCopy() && j.source().type().isQuantized()).findFirst().ifPresent(j -> {
            throw new InvalidInputException(input + " is already quantized (tensor " + j.name() + " is "
                    + j.source().type() + "); pass --allow-requantize to quantize it again");
        });
    }
}
