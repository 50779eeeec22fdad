package dev.quantforge.worker.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.jobs.OnnxModelRecipes;
import dev.quantforge.common.jobs.OnnxRecipes;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.worker.bench.EvaluationText;
import dev.quantforge.engine.variant.PlanSummary;

import java.util.Locale;
import java.util.Map;

/**
 * {@code README.md} of a variant: what it is, where it came from, how it was quantized and how to run it,
 * for a person browsing the bucket or a catalog that shows model cards.
 */
public final class ModelCard {
    private ModelCard() {
    }

    /** From the manifest as it stands before the card is uploaded (it lists the model file, not yet the card). */
    public static String render(Manifest m) {
        if (OnnxModelRecipes.FORMAT.equals(m.recipe().format())) {
            return renderOnnxModel(m);
        }
        if (m.modelIsDirectory() && isOnnx(m)) {
            return renderOnnx(m);
        }
        if (m.modelIsDirectory()) {
            return renderMlx(m);
        }
        PlanSummary plan = m.plan();
        Manifest.FileEntry model = m.model();
        StringBuilder out = new StringBuilder();
        out.append("# ").append(m.modelName()).append(" — ").append(m.variant()).append(" (GGUF)\n\n");
        out.append("Quantized by quantforge ").append(m.engineVersion()).append(" from `").append(m.source().uri())
                .append("` (").append(m.source().format()).append(")")
                .append(m.profile() == null ? " with an explicit recipe" : " for the hardware profile `" + m.profile() + "`")
                .append(".\n\n");

        out.append("| | |\n|---|---|\n");
        row(out, "file", "`" + model.name() + "`");
        row(out, "size", String.format(Locale.ROOT, "%.2f MB (%,d bytes)", model.bytes() / 1e6, model.bytes()));
        row(out, "parameters", String.format(Locale.ROOT, "%,d", plan.parameters()));
        row(out, "bits per weight", String.format(Locale.ROOT, "%.3f", plan.bitsPerWeight()));
        row(out, "file type", plan.fileType() + " (general.file_type = " + plan.fileTypeId() + ")");
        row(out, "tensors", Integer.toString(plan.tensors()));
        row(out, "sha256", "`" + model.sha256() + "`");
        out.append('\n');

        benchmark(out, m);

        out.append("## Recipe\n\n");
        Recipe r = m.recipe();
        out.append("- format: ").append(r.format()).append(", file type: ").append(r.ftype()).append('\n');
        out.append("- pure (no mixture): ").append(yesNo(r.pure())).append('\n');
        out.append("- output tensor type: ").append(orDefault(r.outputTensorType())).append('\n');
        out.append("- token embedding type: ").append(orDefault(r.tokenEmbeddingType())).append('\n');
        out.append("- leave output tensor: ").append(yesNo(r.leaveOutputTensor())).append('\n');
        out.append("- tensor type overrides: ")
                .append(r.tensorTypes().isEmpty() ? "none" : "`" + String.join("`, `", r.tensorTypes()) + "`").append("\n\n");

        out.append("## Tensor types\n\n| type | tensors |\n|---|---:|\n");
        for (Map.Entry<String, Integer> e : plan.tensorsByType().entrySet()) {
            out.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        if (!plan.fallbacks().isEmpty()) {
            out.append("\nKept at another type than the recipe asked for, because of their shape:\n\n");
            for (PlanSummary.Fallback f : plan.fallbacks()) {
                out.append("- `").append(f.tensor()).append("` → ").append(f.type()).append(": ").append(f.reason()).append('\n');
            }
        }
        out.append('\n');

        out.append("## Run it with llama.cpp\n\n```sh\n");
        out.append("llama-cli -m ").append(model.name()).append(" -p \"Once upon a time\" -n 128\n");
        out.append("llama-server -m ").append(model.name()).append(" --port 8080\n```\n\n");

        provenance(out, m);
        return out.toString();
    }

    /**
     * A quantized ONNX model (an embedder, a classifier) from an ONNX model source: judged by how close its outputs are
     * to the source model's, not by perplexity.
     */
    private static String renderOnnxModel(Manifest m) {
        Manifest.FileEntry model = m.model();
        Recipe r = m.recipe();
        StringBuilder out = new StringBuilder();
        out.append("# ").append(m.modelName()).append(" — ").append(m.variant()).append(" (ONNX model)\n\n");
        out.append("Quantized by quantforge ").append(m.engineVersion()).append(" from the ONNX model `")
                .append(m.source().uri()).append("`, as ONNX Runtime's quantization tool does it (")
                .append(r.ftype()).append(r.settings().isEmpty() ? "" : ", " + r.settings()).append(")")
                .append(m.profile() == null ? "" : " for the hardware profile `" + m.profile() + "`").append(".\n\n");
        out.append("| | |\n|---|---|\n");
        row(out, "file", "`" + model.name() + "`");
        row(out, "size", String.format(Locale.ROOT, "%.2f MB (%,d bytes)", model.bytes() / 1e6, model.bytes()));
        row(out, "sha256", "`" + model.sha256() + "`");
        out.append('\n');
        if (m.rejected()) {
            out.append("**Rejected:** this variant does not meet the quality bar of its profile: ")
                    .append(String.join("; ", m.gateFailures())).append(".\n\n");
        }
        BenchmarkSummary b = m.benchmarkSummary();
        if (b != null) {
            out.append("## Benchmark\n\nMeasured on ").append(runtimeName(m, "ONNX Runtime"))
                    .append(" against the source model's outputs on the same inputs (`agreement` in `benchmark.json`:")
                    .append(" cosine and max abs error per output; latency p50/p90 at 1 thread and all threads).\n\n")
                    .append("| size | compression | mean output cosine |\n|---:|---:|---:|\n")
                    .append(String.format(Locale.ROOT, "| %.2f MB | %.2fx | %s |%n%n", b.modelBytes() / 1e6,
                            b.compressionRatio(), figure(b.meanOutputCosine(), "%.5f")));
        }
        if (!m.plan().fallbacks().isEmpty()) {
            out.append("Kept float:\n\n");
            for (PlanSummary.Fallback f : m.plan().fallbacks()) {
                out.append("- `").append(f.tensor()).append("`: ").append(f.reason()).append('\n');
            }
            out.append('\n');
        }
        out.append("## Run it with ONNX Runtime\n\n```python\nimport onnxruntime as ort\n")
                .append("session = ort.InferenceSession(\"").append(model.name()).append("\")\n```\n\n");
        provenance(out, m);
        return out.toString();
    }

    /** An MLX variant: a directory for mlx-lm, measured on llama.cpp as its dequantized weights. */
    private static String renderMlx(Manifest m) {
        PlanSummary plan = m.plan();
        String dir = m.modelFile();
        StringBuilder out = new StringBuilder();
        out.append("# ").append(m.modelName()).append(" — ").append(m.variant()).append(" (MLX)\n\n");
        out.append("An MLX model for Apple Silicon (mlx-lm), quantized by quantforge ").append(m.engineVersion())
                .append(" from `").append(m.source().uri()).append("` (").append(m.source().format()).append(")")
                .append(m.profile() == null ? " with an explicit recipe" : " for the hardware profile `" + m.profile() + "`")
                .append(". The directory `").append(dir).append("/` holds what `mlx_lm.convert -q` writes: safetensors,")
                .append(" `config.json` with the `quantization` block, and the tokenizer files.\n\n");
        out.append("| | |\n|---|---|\n");
        row(out, "directory", "`" + dir + "/` (" + m.modelFiles().size() + " files)");
        row(out, "size", String.format(Locale.ROOT, "%.2f MB (%,d bytes)", m.modelBytes() / 1e6, m.modelBytes()));
        row(out, "parameters", String.format(Locale.ROOT, "%,d", plan.parameters()));
        row(out, "bits per weight", String.format(Locale.ROOT, "%.3f", plan.bitsPerWeight()));
        row(out, "quantization", "MLX " + plan.fileType());
        row(out, "tensors", Integer.toString(plan.tensors()));
        out.append('\n');

        benchmark(out, m);

        out.append("## Recipe\n\n");
        Recipe r = m.recipe();
        out.append("- format: mlx, quantization: ").append(r.ftype()).append('\n');
        r.settings().forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        out.append('\n');

        out.append("## Quantization by tensor\n\n| quantization | tensors |\n|---|---:|\n");
        for (Map.Entry<String, Integer> e : plan.tensorsByType().entrySet()) {
            out.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        if (!plan.fallbacks().isEmpty()) {
            out.append("\nKept unquantized, as mlx-lm keeps them:\n\n");
            for (PlanSummary.Fallback f : plan.fallbacks()) {
                out.append("- `").append(f.tensor()).append("` → ").append(f.type()).append(": ").append(f.reason()).append('\n');
            }
        }
        out.append('\n');

        out.append("## Run it with mlx-lm (Apple Silicon)\n\n```sh\n");
        out.append("pip install mlx-lm\n");
        out.append("mlx_lm.generate --model ").append(dir).append(" --prompt \"Once upon a time\" --max-tokens 128\n");
        out.append("mlx_lm.server --model ").append(dir).append(" --port 8080\n```\n\n");
        out.append("Not run on MLX itself by quantforge (no Apple hardware where it was built): loading it in mlx-lm is"
                + " untested here.\n\n");
        provenance(out, m);
        return out.toString();
    }

    static boolean isOnnx(Manifest m) {
        return OnnxRecipes.FORMAT.equals(m.recipe().format());
    }

    /** The runtime that measured the variant, as {@code benchmark.json} names it (e.g. onnxruntime 1.29.0). */
    private static String runtimeName(Manifest m, String absent) {
        JsonNode name = m.benchmark() == null ? null : m.benchmark().at("/runtime/name");
        return name == null || !name.isTextual() ? absent : name.asText();
    }

    /** An ONNX variant: a decoder directory for ONNX Runtime and onnxruntime-genai, measured on ONNX Runtime's CPU provider. */
    private static String renderOnnx(Manifest m) {
        PlanSummary plan = m.plan();
        String dir = m.modelFile();
        Recipe r = m.recipe();
        StringBuilder out = new StringBuilder();
        out.append("# ").append(m.modelName()).append(" — ").append(m.variant()).append(" (ONNX)\n\n");
        out.append("An ONNX Runtime decoder model (").append(r.ftype()).append(" weights), exported by quantforge ")
                .append(m.engineVersion()).append(" from `").append(m.source().uri()).append("` (").append(m.source().format())
                .append(")").append(m.profile() == null ? " with an explicit recipe" : " for the hardware profile `" + m.profile() + "`")
                .append(". The directory `").append(dir).append("/` holds `model.onnx` (the graph), `model.onnx.data` (its")
                .append(" weights as external data), `genai_config.json` (onnxruntime-genai's configuration), `config.json`")
                .append(" and the tokenizer files of the source.\n\n");
        out.append("| | |\n|---|---|\n");
        row(out, "directory", "`" + dir + "/` (" + m.modelFiles().size() + " files)");
        row(out, "size", String.format(Locale.ROOT, "%.2f MB (%,d bytes)", m.modelBytes() / 1e6, m.modelBytes()));
        row(out, "parameters", String.format(Locale.ROOT, "%,d", plan.parameters()));
        row(out, "bits per weight", String.format(Locale.ROOT, "%.3f", plan.bitsPerWeight()));
        row(out, "precision", precision(r));
        row(out, "tensors", Integer.toString(plan.tensors()));
        row(out, "inputs", "`input_ids`, `attention_mask`, `position_ids` (int64), `past_key_values.{i}.key/value`");
        row(out, "outputs", "`logits`, `present.{i}.key/value`");
        out.append('\n');

        benchmark(out, m);

        out.append("## Recipe\n\n");
        out.append("- format: onnx, precision: ").append(r.ftype()).append('\n');
        r.settings().forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        out.append('\n');

        out.append("## Tensors by type\n\n| type | tensors |\n|---|---:|\n");
        for (Map.Entry<String, Integer> e : plan.tensorsByType().entrySet()) {
            out.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        if (!plan.fallbacks().isEmpty()) {
            out.append("\nNotes on single tensors:\n\n");
            for (PlanSummary.Fallback f : plan.fallbacks()) {
                out.append("- `").append(f.tensor()).append("` → ").append(f.type()).append(": ").append(f.reason()).append('\n');
            }
        }
        out.append('\n');

        out.append("## Run it with onnxruntime-genai\n\n```python\n");
        out.append("# pip install onnxruntime-genai\n");
        out.append("import onnxruntime_genai as og\n");
        out.append("model = og.Model(\"").append(dir).append("\")\n");
        out.append("tokenizer = og.Tokenizer(model)\n");
        out.append("params = og.GeneratorParams(model)\n");
        out.append("params.set_search_options(max_length=128)\n");
        out.append("generator = og.Generator(model, params)\n");
        out.append("generator.append_tokens(tokenizer.encode(\"Once upon a time\"))\n");
        out.append("while not generator.is_done():\n    generator.generate_next_token()\n");
        out.append("print(tokenizer.decode(generator.get_sequence(0)))\n```\n\n");
        out.append("## Run it with ONNX Runtime\n\n```python\n");
        out.append("# pip install onnxruntime\n");
        out.append("import onnxruntime as ort\n");
        out.append("session = ort.InferenceSession(\"").append(dir).append("/model.onnx\", providers=[\"CPUExecutionProvider\"])\n");
        out.append("# feed input_ids, attention_mask, position_ids (int64 [batch, seq]) and empty past_key_values.{i}.key/value\n");
        out.append("# ([batch, kv_heads, 0, head_dim], ").append(activations(m.recipe()))
                .append(") for the first step; feed present.{i}.* back as past_key_values.{i}.*\n");
        out.append("```\n\n");
        out.append("quantforge loaded and ran this directory on ONNX Runtime's CPU execution provider (the benchmark above);")
                .append(" onnxruntime-genai itself and the GPU execution providers (CUDA, DirectML) are untested here.\n\n");
        provenance(out, m);
        return out.toString();
    }

    private static String precision(Recipe r) {
        Map<String, String> s = r.settings();
        return switch (r.ftype()) {
            case "int4" -> "int4 (MatMulNBits, blocks of " + s.getOrDefault("blockSize", "32") + ", "
                    + ("true".equals(s.get("symmetric")) ? "symmetric" : "asymmetric") + ", accuracy_level "
                    + s.getOrDefault("accuracyLevel", "0") + "; " + activations(r) + " scales and activations)"
                    + ("float".equals(s.get("lmHead")) ? ", lm_head " + activations(r) : "");
            case "int8" -> "int8 (weight-only, per output channel, symmetric; " + activations(r) + " activations)"
                    + ("float".equals(s.get("lmHead")) ? ", lm_head " + activations(r) : "");
            case "fp16" -> "float16 weights, activations and KV cache";
            default -> r.ftype();
        };
    }

    /** The dtype of an ONNX variant's activations, KV cache and logits. */
    private static String activations(Recipe r) {
        return "fp16".equals(r.ftype()) || "fp16".equals(r.settings().get("activations")) ? "float16" : "float32";
    }

    private static void provenance(StringBuilder out, Manifest m) {
        out.append("## Provenance\n\n");
        out.append("- source: `").append(m.source().uri()).append("`\n");
        out.append("- job ").append(m.jobId()).append(", task ").append(m.taskId()).append('\n');
        out.append("- built ").append(m.createdAt()).append(" by worker ").append(m.worker())
                .append(" with quantforge engine ").append(m.engineVersion())
                .append(" (commit ").append(m.engineCommit()).append(")\n");
        Manifest.Timings t = m.timings();
        out.append(String.format(Locale.ROOT, "- timings: download %.1f s, convert %.1f s, quantize %.1f s, benchmark %.1f s%n",
                t.downloadMillis() / 1000.0, t.convertMillis() / 1000.0, t.quantizeMillis() / 1000.0,
                t.benchmarkMillis() / 1000.0));
        out.append("- `").append(Manifest.FILE_NAME).append("` lists the SHA-256 of every file of this variant.\n");
    }

    /** The headline figures as one table row, and why the variant was rejected if it was. */
    private static void benchmark(StringBuilder out, Manifest m) {
        BenchmarkSummary b = m.benchmarkSummary();
        if (m.rejected()) {
            out.append("**Rejected:** this variant does not meet the quality bar of its profile: ")
                    .append(String.join("; ", m.gateFailures())).append(".\n\n");
        }
        if (b == null) {
            return;
        }
        out.append("## Benchmark\n\n");
        Manifest.BenchmarkInputs in = m.benchmarkInputs();
        if (in != null && m.modelIsDirectory() && isOnnx(m)) {
            out.append("Measured on ").append(runtimeName(m, "ONNX Runtime"))
                    .append(" with the CPU execution provider against the source's next-token distributions on ")
                    .append(EvaluationText.BUNDLED.equals(in.evalText()) ? "quantforge's evaluation text" : "`" + in.evalText() + "`")
                    .append(String.format(Locale.ROOT, " (source perplexity %s), the same reference GGUF variants are measured"
                            + " against.", figure(b.sourcePerplexity(), "%.4f")));
            if (m.profile() != null && m.profile().startsWith("gpu-")) {
                out.append(" The profile `").append(m.profile()).append("` is meant for a GPU, but these figures are the CPU")
                        .append(" execution provider's: no GPU was used here.");
            }
            out.append("\n\n");
        } else if (in != null && m.modelIsDirectory()) {
            out.append("Measured on llama.cpp running this variant's weights dequantized to F32 (exactly as MLX")
                    .append(" dequantizes them) against the source's next-token distributions on ")
                    .append(EvaluationText.BUNDLED.equals(in.evalText()) ? "quantforge's evaluation text" : "`" + in.evalText() + "`")
                    .append(String.format(Locale.ROOT, " (source perplexity %s); size and bits per weight are the MLX"
                            + " files' own. Speed: not measured here (needs Apple Silicon).%n%n", figure(b.sourcePerplexity(), "%.4f")));
        } else if (in != null) {
            out.append("Measured on llama.cpp against the source's next-token distributions on ")
                    .append(EvaluationText.BUNDLED.equals(in.evalText()) ? "quantforge's evaluation text" : "`" + in.evalText() + "`")
                    .append(String.format(Locale.ROOT, " (source perplexity %s).%n%n", figure(b.sourcePerplexity(), "%.4f")));
        }
        out.append("| size | bpw | PPL | ΔPPL | mean KLD | same top | pp tokens/s | tg tokens/s | threads |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        out.append("| ").append(String.format(Locale.ROOT, "%.2f MB", b.modelBytes() / 1e6))
                .append(" | ").append(String.format(Locale.ROOT, "%.3f", b.bitsPerWeight()))
                .append(" | ").append(figure(b.perplexity(), "%.4f"))
                .append(" | ").append(figure(b.perplexityIncreasePercent(), "%+.3f %%"))
                .append(" | ").append(figure(b.meanKld(), "%.6f"))
                .append(" | ").append(figure(b.sameTopPercent(), "%.2f %%"))
                .append(" | ").append(figure(b.promptTokensPerSecond(), "%.1f"))
                .append(" | ").append(figure(b.generationTokensPerSecond(), "%.1f"))
                .append(" | ").append(b.threads()).append(" |\n\n");
        out.append("Every figure is in `benchmark.json` beside this card.\n\n");
    }

    private static String figure(Double value, String format) {
        return value == null ? "–" : String.format(Locale.ROOT, format, value);
    }

    private static void row(StringBuilder out, String name, String value) {
        out.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    private static String orDefault(String type) {
        return type == null || type.isBlank() ? "the file type's rule" : type;
    }
}
