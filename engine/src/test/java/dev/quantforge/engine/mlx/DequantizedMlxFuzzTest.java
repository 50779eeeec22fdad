package dev.quantforge.engine.mlx;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.tensor.TensorSource;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An MLX model directory of any bytes (its {@code config.json} and {@code model.safetensors}, framed as
 * {@link FuzzInputs#split} reads them) opens and dequantizes, or is refused in one line.
 */
class DequantizedMlxFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void open(byte[] input) throws IOException {
        Path dir = model(input);
        FuzzInputs.typedErrorOnly(() -> {
            try (DequantizedMlx mlx = DequantizedMlx.open(dir)) {
                readAll(mlx);
            }
        });
    }

    @Test
    void theSeedsAreValidMlxModels() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "open")) {
            try (DequantizedMlx mlx = DequantizedMlx.open(model(Files.readAllBytes(seed)))) {
                assertFalse(mlx.quantizedWeights().isEmpty(), seed.toString());
                readAll(mlx);
            }
        }
    }

    private static Path model(byte[] input) throws IOException {
        byte[][] files = FuzzInputs.split(input);
        Path dir = FuzzInputs.directory("mlx");
        Files.write(dir.resolve("config.json"), files[0]);
        Files.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE), files[1]);
        return dir;
    }

    /** The first row of every tensor, dequantized where it is quantized. */
    private static void readAll(DequantizedMlx mlx) {
        for (String name : mlx.names()) {
            mlx.storedShape(name);
            TensorSource source = mlx.source(name);
            long rowBytes = source.type().byteSize(source.shape()[0], source.shape()[0]);
            source.bytes(0, (int) Math.min(rowBytes, 256)).remaining();
        }
    }
}
