package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model file (an embedder, a classifier) as a build's source. It has no GGUF metadata or GGUF-named tensors:
 * only the ONNX model quantizer ({@code onnx-model} targets) reads it, by its path, a tensor at a time.
 */
public final class OnnxModelSource implements ModelSource {
    private final Path path;

    private OnnxModelSource(Path path) {
        this.path = path;
    }

    /** The model at {@code path}, which must be a {@code .onnx} file (its external data beside it). */
    public static OnnxModelSource open(Path path) {
        if (!Files.isRegularFile(path) || !OnnxQuantizer.isOnnxFile(path)) {
            throw new InvalidInputException(path + ": not an ONNX model file (a .onnx file, external data beside it)");
        }
        return new OnnxModelSource(path);
    }

    public Path path() {
        return path;
    }

    @Override
    public String description() {
        return path.toString();
    }

    @Override
    public Map<String, GgufValue> metadata() {
        return Map.of();
    }

    @Override
    public List<TensorSource> tensors() {
        return List.of();
    }

    @Override
    public void close() {
        // nothing held open: the quantizer and the benchmark read the file themselves
    }
}
