package dev.quantforge.engine.hf;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.tensor.TensorSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.TensorJob;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint that cannot be converted ends with one clear line and no output file. */
class HfConverterErrorsTest {

    @TempDir
    Path tmp;

    @Test
    void missingConfigKey() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.remove("num_hidden_layers"));
        assertRefused(dir, "config.json: num_hidden_layers is missing");
    }

    @Test
    void missingRmsNormEpsilon() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.remove("rms_norm_eps"));
        assertRefused(dir, "config.json: rms_norm_eps is missing");
    }

    @Test
    void unsupportedArchitectureIsNamedWithTheSupportedOnes() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.putArray("architectures").add("GPT2LMHeadModel"));
        assertRefused(dir, "architecture GPT2LMHeadModel is not supported; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM");
    }

    @Test
    void headCountsThatDoNotGroup() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.put("num_key_value_heads", 3));
        assertRefused(dir, "num_attention_heads 8 is not a multiple of num_key_value_heads 3");
    }

    @Test
    void unsupportedRopeScaling() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0));
        assertRefused(dir, "rope scaling type dynamic is not supported (supported: linear, yarn, llama3)");
    }

    @Test
    void tensorShapeThatContradictsTheConfig() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.put("intermediate_size", 128));
        assertRefused(dir, "tensor model.layers.0.mlp.down_proj.weight has shape [64, 172] but config.json implies [64, 128]");
    }

    @Test
    void vocabularySizeThatContradictsTheEmbedding() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.put("vocab_size", 600));
        assertRefused(dir, "tensor model.embed_tokens.weight has shape [512, 64] but config.json implies [600, 64]");
    }

    @Test
    void missingTensor() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.rewriteWeights(dir, (info, data, out) -> {
            if (!info.name().equals("model.layers.3.self_attn.v_proj.weight")) {
                out.add(info.name(), info.dtype().name(), info.shape(), data);
            }
        });
        assertRefused(dir, "tensor model.layers.3.self_attn.v_proj.weight is missing");
    }

    @Test
    void untiedCheckpointWithoutAnOutputHead() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.editConfig(dir, c -> c.put("tie_word_embeddings", false));
        assertRefused(dir, "tensor lm_head.weight is missing (config.json says tie_word_embeddings is false)");
    }

    @Test
    void tensorTheArchitectureDoesNotHave() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.rewriteWeights(dir, (info, data, out) -> {
            out.add(info.name(), info.dtype().name(), info.shape(), data);
            if (info.name().equals("model.norm.weight")) {
                out.add("model.layers.0.self_attn.q_norm.weight", "F32", new long[] {8}, new byte[32]);
            }
        });
        assertRefused(dir, "tensor model.layers.0.self_attn.q_norm.weight is not part of a LlamaForCausalLM as config.json describes it");
    }

    @Test
    void unsupportedDtypeIsNamed() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.rewriteWeights(dir, (info, data, out) ->
                out.add(info.name(), info.name().equals("model.norm.weight") ? "I32" : info.dtype().name(), info.shape(), data));
        assertRefused(dir, "tensor model.norm.weight has dtype I32; supported: F32, F16, BF16");
    }

    @Test
    void unknownDtypeIsNamed() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.rewriteWeights(dir, (info, data, out) ->
                out.add(info.name(), info.name().equals("model.norm.weight") ? "F7" : info.dtype().name(), info.shape(), data));
        assertRefused(dir, "tensor model.norm.weight has unknown dtype F7; supported: F32, F16, BF16");
    }

    @Test
    void truncatedWeights() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        try {
            byte[] all = Files.readAllBytes(dir.resolve("model.safetensors"));
            Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(all, all.length - 100));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertRefused(dir, "outside the data section");
    }

    @Test
    void missingTokenizer() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.delete(dir.resolve("tokenizer.model"));
        assertRefused(dir, "no tokenizer (neither tokenizer.model nor tokenizer.json)");
    }

    @Test
    void missingConfig() {
        Path dir = Checkpoints.copyStories(tmp.resolve("in"));
        Checkpoints.delete(dir.resolve("config.json"));
        assertRefused(dir, "config.json: no such file");
    }

    @Test
    void failureWhileWritingLeavesNoFile() {
        Path out = tmp.resolve("out/model.gguf");
        ModelSource failing = new ModelSource() {
            @Override
            public String description() {
                return "failing";
            }

            @Override
            public Map<String, GgufValue> metadata() {
                return Map.of("general.architecture", GgufValue.ofString("llama"));
            }

            @Override
            public List<TensorSource> tensors() {
                return List.of(new TensorSource() {
                    @Override
                    public String name() {
                        return "token_embd.weight";
                    }

                    @Override
                    public long[] shape() {
                        return new long[] {4, 2};
                    }

                    @Override
                    public GgmlType type() {
                        return GgmlType.F32;
                    }

                    @Override
                    public ByteBuffer bytes(long offset, int length) {
                        throw new UncheckedIOException(new IOException("disk went away"));
                    }
                });
            }

            @Override
            public void close() {
            }
        };
        var copies = failing.tensors().stream().map(t -> new TensorJob(t, t.type(), null)).toList();
        assertThrows(UncheckedIOException.class,
                () -> ModelQuantizer.withThreads(1).write("failing", failing.metadata(), copies, out));
        assertEquals(List.of(), filesIn(out.getParent()));
    }

    private void assertRefused(Path checkpoint, String expected) {
        Path outDir = tmp.resolve("out");
        Path out = outDir.resolve("model.gguf");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HfConverter.convert(checkpoint, out, OutputType.F32));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        assertEquals(List.of(), filesIn(outDir), "no output, not even a partial file");
    }

    private static List<Path> filesIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
