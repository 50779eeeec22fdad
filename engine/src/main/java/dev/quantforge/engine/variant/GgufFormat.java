package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.imatrix.ImportanceMatrix;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJobs;
import dev.quantforge.engine.quantize.UniformPlan;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/** GGUF, as llama.cpp's {@code llama-quantize} writes it; benchmarked on llama.cpp. */
final class GgufFormat implements TargetFormat {
    static final GgufFormat INSTANCE = new GgufFormat();
    private static final VariantRuntime LLAMA_CPP = VariantBenchmark::run;

    private GgufFormat() {
    }

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public String fileExtension() {
        return ".gguf";
    }

    @Override
    public VariantPlan plan(ModelSource source, QuantizeParams params) {
        GgufTarget target = (GgufTarget) params.target();
        if (!params.allowRequantize()) {
            refuseQuantized(source);
        }
        List<TensorDescriptor> tensors = source.tensors().stream().map(GgufFormat::describe).toList();
        if (target.isUniform()) {
            return new VariantPlan(target, UniformPlan.plan(tensors, target.uniformType()), OptionalInt.empty());
        }
        ImportanceMatrix imatrix = params.imatrix();
        QuantizeOptions options = target.options().withImatrixTensors(imatrix == null ? Set.of() : imatrix.tensorNames());
        try {
            QuantizationPlan plan = new QuantizationPlanner().plan(tensors, source.metadata(), target.fileType(), options);
            return new VariantPlan(target, plan.tensors(), OptionalInt.of(plan.fileTypeId()));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(source.description() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public QuantizeResult write(ModelSource source, VariantPlan plan, Path output, QuantizeParams params) {
        if (Files.isDirectory(output)) {
            throw new InvalidInputException(output + ": is a directory; give the output file's name");
        }
        requireKernels(plan);
        var metadata = OutputMetadata.of(source.metadata(), plan.fileTypeId(), params.imatrix());
        return ModelQuantizer.withThreads(params.threads()).progress(params.progress()).cancelWhen(params.cancelled())
                .write(source.description(), metadata, TensorJobs.of(source, plan.tensors(), params.imatrix()), output);
    }

    @Override
    public VariantRuntime runtime() {
        return LLAMA_CPP;
    }

    /** Quantized sources are planned as the F32 they are decoded to. */
    private static TensorDescriptor describe(TensorSource t) {
        TensorDescriptor d = TensorDescriptor.of(t);
        return t.type().isQuantized() ? new TensorDescriptor(d.name(), d.shape(), GgmlType.F32) : d;
    }

    /** Requantizing loses quality that the user cannot see in the result: it is opt-in. */
    private static void refuseQuantized(ModelSource source) {
        source.tensors().stream().filter(t -> t.type().isQuantized()).findFirst().ifPresent(t -> {
            throw new InvalidInputException(source.description() + " is already quantized (tensor " + t.name() + " is "
                    + t.type() + "); give an F32, F16 or BF16 source, or allow requantizing (quantize --allow-requantize)");
        });
    }

    /** Fails before any work when the plan needs a type the engine cannot write, naming the first tensor that does. */
    private static void requireKernels(VariantPlan plan) {
        plan.tensors().stream()
                .filter(t -> !t.isCopied() && Quantizers.forType(t.targetType()).isEmpty())
                .findFirst()
                .ifPresent(t -> {
                    throw new InvalidInputException(plan.target().name() + " needs " + t.targetType().ggmlName()
                            + " (for " + t.name() + "), which this engine cannot write yet");
                });
    }
}
