package dev.quantforge.engine.safetensors;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.SafetensorsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void stories260KSingleFileHoldsItsTensorsInGgufShape() {
        try (SafetensorsCheckpoint model = SafetensorsCheckpoint.open(Models.stories260K())) {
            assertEquals(47, model.names().size());
            TensorSource embed = model.source("model.embed_tokens.weight");
            assertArrayEquals(new long[] {64, 512}, embed.shape());
            assertEquals(GgmlType.F32, embed.type());
            assertArrayEquals(new long[] {64, 172}, model.source("model.layers.4.mlp.gate_proj.weight").shape());
            assertArrayEquals(new long[] {172, 64}, model.source("model.layers.4.mlp.down_proj.weight").shape());
            assertArrayEquals(new long[] {64}, model.source("model.norm.weight").shape());
        }
    }

    @Test
    void stories260KShardsHoldTheSameBytesAsTheSingleFile() {
        try (SafetensorsCheckpoint single = SafetensorsCheckpoint.open(Models.stories260K());
             SafetensorsCheckpoint sharded = SafetensorsCheckpoint.open(Models.stories260K().resolve("model-sharded"))) {
            assertEquals(single.names(), sharded.names());
            assertTrue(sharded.fileOf("model.layers.4.mlp.down_proj.weight").toString().endsWith("00002-of-00002.safetensors"));
            for (String name : single.names()) {
                assertEquals(bytesOf(single.source(name)), bytesOf(sharded.source(name)), name);
            }
        }
    }

    @Test
    void stories260KBf16IsTheF32RoundedToNearestEven() {
        try (SafetensorsCheckpoint f32 = SafetensorsCheckpoint.open(Models.stories260K());
             SafetensorsCheckpoint bf16 = SafetensorsCheckpoint.open(Models.stories260K().resolve("model-bf16"))) {
            assertEquals(f32.names(), bf16.names());
            for (String name : f32.names()) {
                TensorSource wide = f32.source(name);
                TensorSource narrow = bf16.source(name);
                assertEquals(GgmlType.BF16, narrow.type(), name);
                assertArrayEquals(wide.shape(), narrow.shape(), name);
                ByteBuffer w = wide.bytes(0, (int) wide.byteSize());
                short[] expected = new short[(int) wide.elementCount()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = Bf16.fromFloat(w.getFloat(4 * i));
                }
                short[] actual = new short[expected.length];
                narrow.bytes(0, (int) narrow.byteSize()).asShortBuffer().get(actual);
                assertArrayEquals(expected, actual, name);
            }
        }
    }

    @Test
    void refusesAnIndexNamingAMissingShard() {
        Path dir = shardedCopy();
        delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertRefused(dir, "shard model-00002-of-00002.safetensors is missing");
    }

    @Test
    void refusesAShardThatLacksATensorTheIndexPlacesInIt() {
        Path dir = tmp.resolve("lacks");
        new SafetensorsFiles.Builder().f32("a", new long[] {1}, 1).write(dir.resolve("s1.safetensors"));
        index(dir, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}");
        assertRefused(dir, "tensor b is listed in shard s1.safetensors but that file does not hold it");
    }

    @Test
    void refusesAShardHoldingATensorTheIndexDoesNotList() {
        Path dir = tmp.resolve("extra");
        new SafetensorsFiles.Builder().f32("a", new long[] {1}, 1).f32("b", new long[] {1}, 2).write(dir.resolve("s1.safetensors"));
        index(dir, "{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
        assertRefused(dir, "shard s1.safetensors holds tensor b, which the weight_map does not list");
    }

    @Test
    void refusesAShardOutsideTheDirectory() {
        Path dir = tmp.resolve("escape");
        index(dir, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        assertRefused(dir, "weight_map entry a must name a file in the same directory");
    }

    @Test
    void refusesAnIndexWithoutAWeightMap() {
        Path dir = tmp.resolve("nomap");
        index(dir, "{\"metadata\":{}}");
        assertRefused(dir, "needs a non-empty weight_map object");
    }

    @Test
    void refusesADirectoryWithoutSafetensors() {
        assertRefused(tmp, "holds neither model.safetensors nor model.safetensors.index.json");
    }

    private Path shardedCopy() {
        Path dir = tmp.resolve("sharded");
        try {
            Files.createDirectories(dir);
            try (var files = Files.list(Models.stories260K().resolve("model-sharded"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static void index(Path dir, String json) {
        SafetensorsFiles.write(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), json.getBytes(StandardCharsets.UTF_8));
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteBuffer bytesOf(TensorSource t) {
        return ByteBuffer.wrap(Golden.bytes(t.bytes(0, (int) t.byteSize())));
    }

    private static void assertRefused(Path location, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafetensorsCheckpoint.open(location).close());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }
}
