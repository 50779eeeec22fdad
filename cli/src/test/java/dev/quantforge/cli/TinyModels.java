package dev.quantforge.cli;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small F32 GGUF models written for tests. */
final class TinyModels {
    private TinyModels() {
    }

    record Tensor(String name, long[] shape, float[] values) {
    }

    static Tensor random(String name, int rowLength, int rows, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rowLength * rows];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * 0.02);
        }
        return new Tensor(name, rows == 1 ? new long[]{rowLength} : new long[]{rowLength, rows}, v);
    }

    static Path write(Path file, List<Tensor> tensors) {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.ofString("llama"));
        metadata.put("general.name", GgufValue.ofString("tiny"));
        metadata.put("llama.block_count", GgufValue.ofUint32(1));
        metadata.put("llama.embedding_length", GgufValue.ofUint32(256));
        metadata.put("llama.attention.head_count", GgufValue.ofUint32(4));
        metadata.put("llama.attention.head_count_kv", GgufValue.ofUint32(4));
        List<GgufWriter.TensorSpec> specs = new ArrayList<>();
        tensors.forEach(t -> specs.add(new GgufWriter.TensorSpec(t.name(), t.shape(), GgmlType.F32)));
        try (GgufWriter writer = GgufWriter.create(file, metadata, specs)) {
            for (Tensor t : tensors) {
                writer.beginTensor(t.name());
                ByteBuffer bytes = ByteBuffer.allocate(t.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(t.values());
                writer.write(bytes);
            }
            writer.commit();
        }
        return file;
    }

    /** The bundled stories260K checkpoint, found above the working directory. */
    static Path bundledStories() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("models").resolve("stories260K-hf");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/stories260K-hf not found above " + Path.of("").toAbsolutePath());
    }
}
