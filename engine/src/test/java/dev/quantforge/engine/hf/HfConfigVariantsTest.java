package dev.quantforge.engine.hf;

import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.tensor.TensorSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Variations of config.json: RoPE scaling (keys for linear and YaRN, a tensor for Llama 3), Mistral, size labels. */
class HfConfigVariantsTest {

    @TempDir
    Path tmp;

    @Test
    void linearScaling() {
        Path dir = Checkpoints.copyStories(tmp.resolve("linear"));
        Checkpoints.editConfig(dir, c -> c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0));
        try (HfModelSource source = HfModelSource.open(dir, OutputType.F32)) {
            Map<String, GgufValue> kv = source.metadata();
            assertEquals("linear", kv.get("llama.rope.scaling.type").asString());
            assertEquals(2f, kv.get("llama.rope.scaling.factor").value());
            assertFalse(kv.containsKey("llama.rope.scaling.original_context_length"));
        }
    }

    @Test
    void yarnScaling() {
        Path dir = Checkpoints.copyStories(tmp.resolve("yarn"));
        Checkpoints.editConfig(dir, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0)
                .put("original_max_position_embeddings", 128).put("beta_fast", 32.0));
        try (HfModelSource source = HfModelSource.open(dir, OutputType.F32)) {
            Map<String, GgufValue> kv = source.metadata();
            assertEquals("yarn", kv.get("llama.rope.scaling.type").asString());
            assertEquals(4f, kv.get("llama.rope.scaling.factor").value());
            assertEquals(128, kv.get("llama.rope.scaling.original_context_length").asLong());
            assertEquals(32f, kv.get("llama.rope.scaling.yarn_beta_fast").value());
            assertFalse(kv.containsKey("llama.rope.scaling.yarn_beta_slow"));
        }
    }

    @Test
    void llama3ScalingBecomesARopeFrequencyTensor() {
        Path dir = Checkpoints.copyStories(tmp.resolve("llama3"));
        Checkpoints.editConfig(dir, c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192));
        try (HfModelSource source = HfModelSource.open(dir, OutputType.F32)) {
            assertFalse(source.metadata().containsKey("llama.rope.scaling.type"));
            TensorSource freqs = source.tensors().get(0);
            assertEquals("rope_freqs.weight", freqs.name());
            assertArrayEquals(new long[] {4}, freqs.shape(), "one factor per pair of the 8-wide heads");
            float[] factors = new float[4];
            freqs.bytes(0, 16).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(factors);
            // wavelengths 2π·10000^(2i/8): 6.3, 63, 628 stay below 8192/4; 6283 is blended toward 8
            assertArrayEquals(new float[] {1, 1, 1, 4.6816f}, factors, 1e-3f);
        }
    }

    @Test
    void mistralConvertsAsLlama() {
        Path dir = Checkpoints.copyStories(tmp.resolve("mistral"));
        Checkpoints.editConfig(dir, c -> {
            c.putArray("architectures").add("MistralForCausalLM");
            c.put("sliding_window", 256);
        });
        try (HfModelSource source = HfModelSource.open(dir, OutputType.F32)) {
            assertEquals("llama", source.metadata().get("general.architecture").asString());
            assertEquals(47, source.tensors().size());
        }
    }

    @Test
    void sizeLabelsRoundAsGgufPyDoes() {
        assertEquals("260K", HfModelSource.sizeLabel(260_032));
        assertEquals("494M", HfModelSource.sizeLabel(494_032_768));
        assertEquals("1.5B", HfModelSource.sizeLabel(1_543_714_304));
        assertEquals("8.0B", HfModelSource.sizeLabel(8_030_261_248L));
        assertEquals("71B", HfModelSource.sizeLabel(70_553_706_496L));
    }
}
