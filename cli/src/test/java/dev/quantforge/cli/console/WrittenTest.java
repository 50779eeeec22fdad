package dev.quantforge.cli.console;

import dev.quantforge.engine.quantize.QuantizeResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WrittenTest {

    @Test
    void theLineReadsAsItAlwaysHas() {
        QuantizeResult result = new QuantizeResult(Path.of("out/model.gguf"), 249_413_888, 249_000_000, 398_000_000,
                84, Duration.ofMillis(1_249));
        assertEquals(String.format(Locale.ROOT, "wrote %s: %d tensors, %.2f MB, %.3f bits per weight, %.1f s",
                        result.output(), 84, result.fileBytes() / 1e6, result.bitsPerWeight(), 1.249),
                Written.line(result));
    }

    /** Rounded as Formatter rounds: half up on the shortest decimal form, ties and near-ties included. */
    @Test
    void decimalsRoundAsPrintfDoes() {
        double[] hostile = {0, 0.005, 0.015, 0.125, 1.005, 2.675, 1.0005, 0.95, 0.05, 9.995, 99.995, 1e-7, 1e-3,
                5e-4, 123_456.789, 1e15 + 0.5, 0.3, 2.5, 3.5, 4.4999999, Double.MIN_VALUE, Double.MAX_VALUE / 1e300};
        SplittableRandom random = new SplittableRandom(7);
        for (int places = 1; places <= 3; places++) {
            for (double value : hostile) {
                assertSameAsPrintf(value, places);
            }
            for (int i = 0; i < 20_000; i++) {
                assertSameAsPrintf(Math.round(random.nextDouble(0, 1e6)) / Math.pow(10, random.nextInt(1, 7)), places);
                assertSameAsPrintf(random.nextDouble(0, 1000), places);
            }
        }
        assertEquals("NaN", Written.decimals(Double.NaN, 2));
        assertEquals("Infinity", Written.decimals(Double.POSITIVE_INFINITY, 2));
    }

    private static void assertSameAsPrintf(double value, int places) {
        assertEquals(String.format(Locale.ROOT, "%." + places + "f", value), Written.decimals(value, places),
                () -> value + " to " + places + " places");
    }
}
