package dev.quantforge.engine.quantize;

import java.nio.file.Path;
import java.time.Duration;

/** What a finished run wrote. */
public record QuantizeResult(Path output, long fileBytes, long tensorBytes, long parameters, int tensors,
                             Duration elapsed) {

    public double bitsPerWeight() {
        return parameters == 0 ? 0 : tensorBytes * 8.0 / parameters;
    }
}
