package dev.quantforge.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Locates the golden reference data copied into the test resources. */
public final class Golden {
    private Golden() {
    }

    public static Path ggml(String file) {
        return resource("golden/ggml/" + file);
    }

    public static Path llamaQuant(String file) {
        return resource("golden/llama-quant/" + file);
    }

    /** MLX's own quantize/dequantize outputs (CPU backend), {@code ../shared/golden/mlx}. */
    public static Path mlx(String file) {
        return resource("golden/mlx/" + file);
    }

    /** Real models' reference data: eval.txt, stories260K-expected.json. */
    public static Path models(String file) {
        return resource("models/" + file);
    }

    public static JsonNode json(Path path) {
        try {
            return new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static Path resource(String name) {
        URL url = Golden.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
