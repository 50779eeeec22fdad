package dev.quantforge.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A sharded checkpoint of any bytes (its {@code model.safetensors.index.json} and one shard, named
 * {@code shard.safetensors}, framed as {@link FuzzInputs#split} reads them) opens, or is refused in one line.
 */
class SafetensorsCheckpointFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void openSharded(byte[] input) throws IOException {
        Path dir = checkpoint(input);
        FuzzInputs.typedErrorOnly(() -> {
            try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
                readAll(checkpoint);
            }
        });
    }

    @Test
    void theSeedsAreValidCheckpoints() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "openSharded")) {
            try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(checkpoint(Files.readAllBytes(seed)))) {
                assertFalse(checkpoint.names().isEmpty(), seed.toString());
                readAll(checkpoint);
            }
        }
    }

    private static Path checkpoint(byte[] input) throws IOException {
        byte[][] files = FuzzInputs.split(input);
        Path dir = FuzzInputs.directory("sharded");
        Files.write(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), files[0]);
        Files.write(dir.resolve("shard.safetensors"), files[1]);
        return dir;
    }

    private static void readAll(SafetensorsCheckpoint checkpoint) {
        for (String name : checkpoint.names()) {
            checkpoint.storedShape(name);
            checkpoint.fileOf(name);
            SafetensorsTensorInfo info = checkpoint.info(name).orElseThrow();
            checkpoint.rawBytes(name, 0, (int) Math.min(info.byteSize(), 64)).remaining();
        }
    }
}
