package dev.quantforge.engine.mlx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsDtype;
import dev.quantforge.engine.safetensors.SafetensorsFile;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.variant.BuiltVariant;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.VariantPlan;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K converted to MLX through the engine's door, read back with the project's safetensors reader. */
class MlxConvertStoriesTest {

    @TempDir
    Path dir;

    private static QuantizeParams params(Map<String, String> settings) {
        return QuantizeParams.of(new Recipe("mlx", "", false, null, null, false, List.of(), new TreeMap<>(settings)), 1);
    }

    private BuiltVariant convert(Path output, Map<String, String> settings) {
        try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            return Variants.build(source, output, params(settings));
        }
    }

    @Test
    void defaultIsAffine4BitGroups64AsMlxLmWritesIt() throws Exception {
        Path out = dir.resolve("stories-mlx");
        BuiltVariant built = convert(out, Map.of());
        assertEquals("4bit", built.plan().target().name());
        try (SafetensorsCheckpoint mlx = SafetensorsCheckpoint.open(out);
             SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(Models.stories260K());
             SafetensorsFile file = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "mlx"), file.metadata());
            // embeddings: quantized along the 64-wide rows; no lm_head (tied), norms kept in float32
            assertTensor(mlx, "model.embed_tokens.weight", SafetensorsDtype.U32, 512, 8);
            assertTensor(mlx, "model.embed_tokens.scales", SafetensorsDtype.F32, 512, 1);
            assertTensor(mlx, "model.embed_tokens.biases", SafetensorsDtype.F32, 512, 1);
            assertTensor(mlx, "model.layers.0.self_attn.q_proj.weight", SafetensorsDtype.U32, 64, 8);
            assertTensor(mlx, "model.layers.0.self_attn.k_proj.weight", SafetensorsDtype.U32, 32, 8);
            assertTensor(mlx, "model.layers.4.mlp.gate_proj.weight", SafetensorsDtype.U32, 172, 8);
            // down_proj's rows are 172 wide: 64 does not divide them, so MLX keeps it as it is
            assertTensor(mlx, "model.layers.0.mlp.down_proj.weight", SafetensorsDtype.F32, 64, 172);
            assertFalse(mlx.contains("model.layers.0.mlp.down_proj.scales"));
            assertTensor(mlx, "model.norm.weight", SafetensorsDtype.F32, 64);
            assertFalse(mlx.contains("lm_head.weight"));
            // every tensor of the checkpoint is there under its own name (weights), plus scales and biases
            long quantized = mlx.names().stream().filter(n -> n.endsWith(".scales")).count();
            assertEquals(1 + 5 * 6, quantized); // embeddings + q,k,v,o,gate,up of each of 5 layers
            for (String name : hf.names()) {
                assertTrue(mlx.contains(name), name);
            }
            assertEquals(hf.names().size() + 2 * quantized, mlx.names().size());
            // the down_proj weights are the source's bytes
            SafetensorsTensorInfo down = hf.info("model.layers.0.mlp.down_proj.weight").orElseThrow();
            assertArrayEquals(Golden.bytes(hf.source(down.name()).bytes(0, (int) down.byteSize())),
                    Golden.bytes(mlx.source(down.name()).bytes(0, (int) down.byteSize())));
            // and the quantized embeddings dequantize to within a step of the source
            assertWithinAStep(hf, file, "model.embed_tokens", 512, 64);
        }
        JsonNode config = Golden.json(out.resolve("config.json"));
        JsonNode q = config.get("quantization");
        assertEquals(64, q.get("group_size").asInt());
        assertEquals(4, q.get("bits").asInt());
        assertEquals("affine", q.get("mode").asText());
        assertEquals(3, q.size());
        assertEquals(q, config.get("quantization_config"));
        assertEquals("llama", config.get("model_type").asText());
        JsonNode index = Golden.json(out.resolve("model.safetensors.index.json"));
        assertEquals("model.safetensors", index.get("weight_map").get("model.embed_tokens.scales").asText());
        assertTrue(index.get("metadata").get("total_size").asLong() > 0);
        for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                "generation_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(List.of(out), siblings.toList(), "no temporary directory is left");
        }
    }

    private static void assertTensor(SafetensorsCheckpoint c, String name, SafetensorsDtype dtype, long... shape) {
        SafetensorsTensorInfo info = c.info(name).orElseThrow(() -> new AssertionError("no " + name));
        assertEquals(dtype, info.dtype(), name);
        assertArrayEquals(shape, info.shape(), name);
    }

    private static void assertWithinAStep(SafetensorsCheckpoint hf, SafetensorsFile mlx, String module,
                                              int rows, int cols) {
        MlxQuantization q = new MlxQuantization(MlxMode.AFFINE, 4, 64);
        ByteBuffer wq = mlx.map(mlx.tensorInfo(module + ".weight").orElseThrow(), 0, rows * cols / 2);
        ByteBuffer scales = mlx.map(mlx.tensorInfo(module + ".scales").orElseThrow(), 0, rows * 4);
        ByteBuffer biases = mlx.map(mlx.tensorInfo(module + ".biases").orElseThrow(), 0, rows * 4);
        float[] deq = MlxKernels.dequantize(wq, scales, biases, rows, cols, q, MlxDtype.FLOAT32);
        ByteBuffer source = hf.source(module + ".weight").bytes(0, rows * cols * 4);
        for (int i = 0; i < deq.length; i++) {
            float step = Math.abs(scales.getFloat((i / cols) * 4));
            // half a step, except where rounding q0 moved the far end of the range past n_bins and it was clamped
            assertEquals(source.getFloat(i * 4), deq[i], step + 1e-6f, "element " + i + ", step " + step);
        }
    }

    @Test
    void mixedRecipeGivesTheFavouredLayersMoreBits() throws Exception {
        Path out = dir.resolve("mixed");
        convert(out, Map.of("recipe", "mixed_3_6", "groupSize", "32", "dtype", "float16"));
        JsonNode q = Golden.json(out.resolve("config.json")).get("quantization");
        assertEquals(32, q.get("group_size").asInt());
        // 5 layers: n/8 = 0 and 7n/8 = 4, so layers 2 and 4 are favoured ((i - 0) % 3 == 2, i >= 4)
        for (int layer = 0; layer < 5; layer++) {
            int expected = layer == 2 || layer == 4 ? 6 : 3;
            assertEquals(expected, q.get("model.layers." + layer + ".self_attn.v_proj").get("bits").asInt(), "layer " + layer);
            assertEquals(3, q.get("model.layers." + layer + ".self_attn.q_proj").get("bits").asInt());
            assertFalse(q.has("model.layers." + layer + ".mlp.down_proj"), "172-wide rows stay unquantized");
        }
        assertEquals(3, q.get("model.embed_tokens").get("bits").asInt());
        assertEquals("affine", q.get("model.embed_tokens").get("mode").asText());
        try (SafetensorsCheckpoint mlx = SafetensorsCheckpoint.open(out)) {
            assertTensor(mlx, "model.layers.2.self_attn.v_proj.weight", SafetensorsDtype.U32, 32, 12); // 64 * 6 / 32
            assertTensor(mlx, "model.layers.1.self_attn.v_proj.weight", SafetensorsDtype.U32, 32, 6);
            assertTensor(mlx, "model.layers.1.self_attn.v_proj.scales", SafetensorsDtype.F16, 32, 2);
            assertTensor(mlx, "model.norm.weight", SafetensorsDtype.F16, 64);
            assertTensor(mlx, "model.layers.0.mlp.down_proj.weight", SafetensorsDtype.F16, 64, 172);
        }
    }

    @Test
    void fpModesWriteUint8ScalesAndNoBiases() throws Exception {
        Path out = dir.resolve("mxfp4");
        convert(out, Map.of("mode", "mxfp4"));
        try (SafetensorsCheckpoint mlx = SafetensorsCheckpoint.open(out)) {
            assertTensor(mlx, "model.layers.0.self_attn.q_proj.weight", SafetensorsDtype.U32, 64, 8);
            assertTensor(mlx, "model.layers.0.self_attn.q_proj.scales", SafetensorsDtype.U8, 64, 2);
            assertFalse(mlx.contains("model.layers.0.self_attn.q_proj.biases"));
        }
        JsonNode q = Golden.json(out.resolve("config.json")).get("quantization");
        assertEquals("mxfp4", q.get("mode").asText());
        assertEquals(32, q.get("group_size").asInt());
    }

    @Test
    void badSettingsFailBeforeAnyWork() {
        for (Map<String, String> bad : List.of(Map.of("recipe", "mixed_5_7"), Map.of("bits", "7"),
                Map.of("groupSize", "48"), Map.of("mode", "mxfp4", "bits", "8"), Map.of("mode", "nvfp4", "recipe", "mixed_3_6"),
                Map.of("dtype", "float64"), Map.of("rounding", "gpu"), Map.of("groupsize", "64"))) {
            assertThrows(InvalidInputException.class, () -> params(bad), bad.toString());
        }
    }

    @Test
    void cancelledBuildLeavesNothing() throws Exception {
        Path out = dir.resolve("cancelled");
        try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            int[] calls = {0};
            QuantizeParams params = params(Map.of()).cancelWhen(() -> ++calls[0] > 3);
            assertThrows(CancellationException.class, () -> Variants.build(source, out, params));
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void existingOutputIsRefused() throws Exception {
        Path out = Files.createDirectory(dir.resolve("taken"));
        assertThrows(InvalidInputException.class, () -> convert(out, Map.of()));
    }

    @Test
    void planTableNamesGroupQuantization() {
        try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
            VariantPlan plan = Variants.plan(source, params(Map.of("bits", "8")));
            String table = plan.table();
            assertTrue(table.contains("model.layers.0.self_attn.q_proj.weight"), table);
            assertTrue(table.contains("F32 -> affine q8 g64"), table);
            assertTrue(table.contains("do not split into groups of 64"), table);
            assertEquals(1, plan.summary().fallbacks().size() / 5);
        }
    }
}
