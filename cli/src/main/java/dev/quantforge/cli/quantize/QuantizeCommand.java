package dev.quantforge.cli.quantize;

import dev.quantforge.cli.console.ConsoleProgress;
import dev.quantforge.cli.console.Written;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.PlanTable;
import dev.quantforge.engine.plan.PlannedTensor;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.plan.TensorTypeOverride;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;
import dev.quantforge.engine.quantize.TensorJobs;
import dev.quantforge.engine.quantize.UniformPlan;
import dev.quantforge.engine.tensor.TensorSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "quantize", sortOptions = false,
        description = {"Quantize a model the way llama-quantize does, byte for byte.",
                "FTYPE is a llama.cpp file type (Q4_K_M, Q8_0, …); with --uniform, a ggml type (q4_K, iq4_nl, …)."})
public final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "GGUF file (F32/F16/BF16)")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "GGUF file to write")
    Path output;

    @Parameters(index = "2", paramLabel = "FTYPE", description = "llama.cpp file type, e.g. Q4_K_M (a ggml type with --uniform)")
    String fileType;

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
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (threadCount < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threadCount);
        }
        ImportanceMatrix imatrix = imatrixFile == null ? null : ImportanceMatrix.read(imatrixFile);
        try (ModelSource model = ModelSources.open(input)) {
            refuseRequantization(model);
            List<TensorDescriptor> tensors = model.tensors().stream().map(this::describe).toList();
            List<PlannedTensor> plan;
            OptionalInt fileTypeId;
            String totals;
            if (uniform) {
                GgmlType type = ggmlType(fileType, "FTYPE");
                plan = UniformPlan.plan(tensors, type);
                fileTypeId = OptionalInt.empty();
                totals = PlanTable.totals(plan);
            } else {
                QuantizationPlan mixture = plan(model, tensors, LlamaFileType.parse(fileType), options(imatrix));
                plan = mixture.tensors();
                fileTypeId = OptionalInt.of(mixture.fileTypeId());
                totals = PlanTable.totals(mixture);
            }
            if (dryRun) {
                out.print(PlanTable.rows(plan));
                out.println(totals);
                return 0;
            }
            if (Files.isDirectory(output)) {
                throw new InvalidInputException(output + ": is a directory; give the output file's name");
            }
            List<TensorJob> jobs = TensorJobs.of(model, plan, imatrix);
            boolean blockQuantized = plan.stream().anyMatch(p -> p.targetType().isQuantized());
            var metadata = OutputMetadata.of(model.metadata(), fileTypeId, blockQuantized, imatrix);
            QuantizeResult result = ModelQuantizer.withThreads(threadCount).progress(ConsoleProgress.forConsole(progress))
                    .write(model.description(), metadata, jobs, output);
            Written.print(out, result);
            return 0;
        }
    }

    private static QuantizationPlan plan(ModelSource model, List<TensorDescriptor> tensors, LlamaFileType type,
                                         QuantizeOptions options) {
        try {
            return new QuantizationPlanner().plan(tensors, model.metadata(), type, options);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(model.description() + ": " + e.getMessage(), e);
        }
    }

    /** Quantized sources are planned as the F32 they are decoded to. */
    private TensorDescriptor describe(TensorSource t) {
        TensorDescriptor d = TensorDescriptor.of(t);
        return t.type().isQuantized() ? new TensorDescriptor(d.name(), d.shape(), GgmlType.F32) : d;
    }

    private QuantizeOptions options(ImportanceMatrix imatrix) {
        return new QuantizeOptions(pure,
                outputTensorType == null ? null : ggmlType(outputTensorType, "--output-tensor-type"),
                tokenEmbeddingType == null ? null : ggmlType(tokenEmbeddingType, "--token-embedding-type"),
                leaveOutputTensor,
                tensorTypes.stream().map(TensorTypeOverride::parse).toList(),
                imatrix == null ? Set.of() : imatrix.tensorNames());
    }

    private static GgmlType ggmlType(String name, String what) {
        return GgmlType.byName(name).orElseThrow(() ->
                new InvalidInputException(what + ": unknown ggml type " + name));
    }

    private void refuseRequantization(ModelSource model) {
        if (allowRequantize) {
            return;
        }
        model.tensors().stream().filter(t -> t.type().isQuantized()).findFirst().ifPresent(t -> {
            throw new InvalidInputException(input + " is already quantized (tensor " + t.name() + " is "
                    + t.type() + "); pass --allow-requantize to quantize it again");
        });
    }
}
