package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.onnx.OnnxExporter;
import dev.quantforge.engine.bench.OnnxBenchmark;
import dev.quantforge.engine.quantize.QuantizeResult;

import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONNX, as ONNX Runtime (and onnxruntime-genai) consume it: a directory exported from the Hugging Face
 * checkpoint's original tensors; benchmarked on ONNX Runtime's CPU execution provider.
 */
final class OnnxFormat implements TargetFormat {
    static final OnnxFormat INSTANCE = new OnnxFormat();

    private OnnxFormat() {
    }

    @Override
    public String name() {
        return "onnx";
    }

    /** A variant is a directory: no file name ending. */
    @Override
    public String fileExtension() {
        return "";
    }

    @Override
    public VariantPlan plan(ModelSource source, QuantizeParams params) {
        OnnxTarget target = (OnnxTarget) params.target();
        return new VariantPlan(target, OnnxExporter.plan(checkpoint(source), target.options()), OptionalInt.empty());
    }

    @Override
    public QuantizeResult write(ModelSource source, VariantPlan plan, Path output, QuantizeParams params) {
        OnnxTarget target = (OnnxTarget) params.target();
        int count = plan.rows().size();
        AtomicInteger index = new AtomicInteger();
        OnnxExporter.Result result = OnnxExporter.export(checkpoint(source), output, target.options(),
                tensor -> params.progress().bytesProcessed(index.incrementAndGet(), count), params.cancelled());
        QuantizeResult written = new QuantizeResult(result.output(), result.bytes(), result.tensorBytes(),
                result.parameters(), result.tensors(), result.elapsed());
        params.progress().finished(written);
        return written;
    }

    @Override
    public VariantRuntime runtime() {
        return OnnxBenchmark::run;
    }

    /** ONNX is exported from the original Hugging Face tensors (not the GGUF-named, q/k-permuted view). */
    private static Path checkpoint(ModelSource source) {
        if (source instanceof HfModelSource hf) {
            return hf.directory();
        }
        throw new InvalidInputException(source.description() + ": an ONNX target is exported from a Hugging Face "
                + "checkpoint directory (config.json, safetensors, tokenizer), not from this source");
    }
}
