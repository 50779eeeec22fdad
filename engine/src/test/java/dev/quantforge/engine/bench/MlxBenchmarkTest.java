package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.mlx.DequantizedMlx;
import dev.quantforge.engine.mlx.MlxDtype;
import dev.quantforge.engine.mlx.MlxKernels;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.Variants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLX variants of stories260K measured without Apple hardware: dequantized as MLX dequantizes them, run on
 * llama.cpp against the source's reference logits.
 */
class MlxBenchmarkTest {
    private static final List<String> TEXT = EvalText.paragraphs(EvalText.bundledDefault());
    private static final VariantBenchmark.Options OPTIONS = new VariantBenchmark.Options(1, 32, 16, 0, 1, true);

    @TempDir
    static Path dir;
    static ReferenceLogits reference;
    static long sourceBytes;

    @BeforeAll
    static void reference() {
        sourceBytes = VariantBenchmark.bytesOnDisk(Models.stories260K());
        reference = VariantBenchmark.referenceLogits(Models.stories260K(), sourceBytes, TEXT, 1, dir.resolve("scratch"));
    }

    static Path mlx(String name, Map<String, String> settings) {
        Path out = dir.resolve("stories260K-" + name);
        if (!Files.exists(out)) {
            try (HfModelSource source = HfModelSource.open(Models.stories260K(), OutputType.F32)) {
                Variants.build(source, out, QuantizeParams.of(new Recipe("mlx", "", false, null, null, false, List.of(),
                        new TreeMap<>(settings)), 1));
            }
        }
        return out;
    }

    static BenchmarkReport bench(Path variant) {
        try (ModelSource source = ModelSources.open(Models.stories260K())) {
            return Variants.runtimeFor(variant).benchmark(variant, source, sourceBytes, TEXT, reference, OPTIONS,
                    VariantBenchmark.Progress.NONE, () -> false);
        }
    }

    @Test
    void eightBitsAreFarCloserToTheSourceThanFourAndSpeedIsNotMadeUp() throws Exception {
        Path q8 = mlx("8bit", Map.of("bits", "8"));
        Path q4 = mlx("4bit", Map.of("bits", "4", "groupSize", "64"));
        BenchmarkReport r8 = bench(q8);
        BenchmarkReport r4 = bench(q4);
        for (BenchmarkReport r : List.of(r8, r4)) {
            assertTrue(Double.isFinite(r.quality().meanKld()) && r.quality().meanKld() > 0, r.table());
            assertTrue(Double.isFinite(r.quality().perplexity()), r.table());
            assertNull(r.speed(), "no MLX runtime here: no speed figures");
            assertEquals(BenchmarkReport.SPEED_NEEDS_APPLE_SILICON, r.runtime().speedNote());
            assertEquals(MlxBenchmark.WEIGHTS, r.runtime().weights());
            assertEquals(0, r.tensorErrors().notCompared());
            assertNull(r.summary().promptTokensPerSecond());
        }
        System.out.println(r8.table());
        System.out.println(r4.table());
        assertTrue(r8.quality().meanKld() * 10 < r4.quality().meanKld(),
                "8-bit " + r8.quality().meanKld() + " well below 4-bit " + r4.quality().meanKld());
        assertEquals(r8.quality().sourcePerplexity(), r8.quality().perplexity(), r8.quality().sourcePerplexity() * 0.01);
        assertEquals(r4.quality().sourcePerplexity(), r4.quality().perplexity(), r4.quality().sourcePerplexity() * 0.15);

        // size and bits per weight are the MLX files' own
        assertEquals("8bit", r8.variant().fileType());
        assertEquals("4bit", r4.variant().fileType());
        assertEquals(safetensorsBytes(q8), r8.size().bytes());
        assertEquals(260032, r8.size().parameters());
        assertEquals(Map.of("affine q8 g64", 31, "f32", 16), r8.size().tensorsByType());
        assertTrue(r4.size().bitsPerWeight() < r8.size().bitsPerWeight(), r4.size() + " " + r8.size());
        // stories260K's down_proj (172-wide rows) stays float32, so the 4-bit model averages well above 4 + 1 bits
        assertTrue(r4.size().bitsPerWeight() > 5 && r4.size().bitsPerWeight() < 32, r4.size().toString());

        String table = r4.table();
        assertTrue(table.contains("speed                not measured here (needs Apple Silicon)"), table);
        assertTrue(table.contains("on weights dequantized to F32"), table);
        BenchmarkReport back = BenchmarkReport.fromJson(r4.toJson());
        assertEquals(r4, back);
        // no scratch file is left beside the variant
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("dequantized")));
        }
    }

    @Test
    void dequantizedReadsAreMlxDequantizeOfTheStoredGroups() {
        Path q4 = mlx("4bit", Map.of("bits", "4", "groupSize", "64"));
        String name = "model.embed_tokens.weight";
        try (DequantizedMlx mlx = DequantizedMlx.open(q4);
             SafetensorsCheckpoint stored = SafetensorsCheckpoint.open(q4)) {
            DequantizedMlx.QuantizedWeight q = mlx.quantizedWeights().get(name);
            assertEquals(512, q.rows());
            assertEquals(64, q.columns());
            float[] expected = MlxKernels.dequantize(stored.rawBytes(name, 0, 512 * 8 * 4),
                    stored.rawBytes("model.embed_tokens.scales", 0, 512 * 4),
                    stored.rawBytes("model.embed_tokens.biases", 0, 512 * 4), 512, 64, q.quantization(), MlxDtype.FLOAT32);
            TensorSource source = mlx.source(name);
            // a read that starts and ends inside rows
            int first = 64 * 3 + 5;
            int count = 64 * 200 + 17;
            ByteBuffer bytes = source.bytes(first * 4L, count * 4);
            for (int i = 0; i < count; i++) {
                assertEquals(Float.floatToIntBits(expected[first + i]), Float.floatToIntBits(bytes.getFloat(i * 4)), "value " + i);
            }
            // unquantized tensors are read as stored
            assertEquals(List.of(64L, 172L), List.of(mlx.storedShape("model.layers.0.mlp.down_proj.weight")[0],
                    mlx.storedShape("model.layers.0.mlp.down_proj.weight")[1]));
            assertTrue(mlx.names().stream().noneMatch(n -> n.endsWith(".scales") || n.endsWith(".biases")));
        }
    }

    @Test
    void aDirectoryThatIsNotMlxIsRefusedByName() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Variants.runtimeFor(Models.stories260K()));
        assertTrue(e.getMessage().contains("not an MLX model directory"), e.getMessage());
    }

    private static long safetensorsBytes(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
