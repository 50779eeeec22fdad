package dev.quantforge.engine.variant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.bench.MlxBenchmark;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.mlx.MlxConversion;
import dev.quantforge.engine.mlx.MlxPlannedTensor;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.quantize.QuantizeResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * MLX, as {@code mlx_lm.convert -q} writes it: a directory (safetensors, index, config.json with the
 * quantization block, tokenizer files). Its source is a Hugging Face checkpoint, read under the checkpoint's own
 * tensor names. Benchmarked without Apple hardware by running its dequantized weights on llama.cpp
 * ({@link MlxBenchmark}); its speed is not measured here.
 */
final class MlxFormat implements TargetFormat {
    static final MlxFormat INSTANCE = new MlxFormat();
    /** llama.cpp on the variant's weights dequantized as MLX dequantizes them; speed needs Apple Silicon. */
    private static final VariantRuntime DEQUANTIZED_ON_LLAMA_CPP = MlxBenchmark::run;

    private MlxFormat() {
    }

    @Override
    public String name() {
        return "mlx";
    }

    /** A directory, not a file. */
    @Override
    public String fileExtension() {
        return "";
    }

    @Override
    public VariantPlan plan(ModelSource source, QuantizeParams params) {
        MlxTarget target = (MlxTarget) params.target();
        HfModelSource hf = requireCheckpoint(source);
        JsonNode config = JsonFiles.readObject(hf.directory().resolve("config.json"));
        List<MlxPlannedTensor> rows = MlxConversion.plan(hf.checkpoint(), config, target.quantization(),
                target.recipe(), target.dtype());
        return new VariantPlan(target, rows, OptionalInt.empty());
    }

    @Override
    public QuantizeResult write(ModelSource source, VariantPlan plan, Path output, QuantizeParams params) {
        MlxTarget target = (MlxTarget) plan.target();
        HfModelSource hf = requireCheckpoint(source);
        List<MlxPlannedTensor> rows = plan.rows().stream().map(MlxPlannedTensor.class::cast).toList();
        long began = System.nanoTime();
        var config = MlxConversion.config(hf.directory(), target.quantization(), target.recipe(), rows);
        MlxConversion.Written written = MlxConversion.write(hf.directory(), hf.checkpoint(), rows, config, output,
                target.rounding(), MlxConversion.SHARD_BYTES, params.cancelled());
        return new QuantizeResult(written.output(), written.fileBytes(), written.tensorBytes(), written.parameters(),
                written.tensors(), Duration.ofNanos(System.nanoTime() - began));
    }

    @Override
    public VariantRuntime runtime() {
        return DEQUANTIZED_ON_LLAMA_CPP;
    }

    private static HfModelSource requireCheckpoint(ModelSource source) {
        if (source instanceof HfModelSource hf) {
            return hf;
        }
        throw new InvalidInputException(source.description() + ": MLX output is made from a Hugging Face checkpoint"
                + " directory (llama, mistral, qwen2), not from a GGUF or single safetensors file");
    }
}
