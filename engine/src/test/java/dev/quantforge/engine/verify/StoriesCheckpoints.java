package dev.quantforge.engine.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.SafetensorsFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The stories260K checkpoints a user could hand us: the bundled F32, BF16 and sharded ones, and an F16 one written here. */
final class StoriesCheckpoints {
    private static final List<String> SIDE_FILES = List.of("generation_config.json", "special_tokens_map.json",
            "tokenizer.model", "tokenizer_config.json");

    private StoriesCheckpoints() {
    }

    static Path f32() {
        return Models.stories260K();
    }

    static Path bf16() {
        return Models.stories260K().resolve("model-bf16");
    }

    static Path sharded() {
        return Models.stories260K().resolve("model-sharded");
    }

    /** The F32 checkpoint with every tensor rounded to F16 (as {@code model.half().save_pretrained()} would). */
    static Path writeF16(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String file : SIDE_FILES) {
                Files.copy(f32().resolve(file), dir.resolve(file));
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(f32().resolve("config.json").toFile());
            config.put("torch_dtype", "float16");
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsFiles.Builder out = new SafetensorsFiles.Builder().metadata("format", "pt");
        try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(f32())) {
            for (String name : source.names()) {
                SafetensorsTensorInfo info = source.info(name).orElseThrow();
                float[] values = new float[(int) info.elementCount()];
                var tensor = source.source(name);
                FloatRows.read(tensor, 0, (int) tensor.rowCount(), values);
                short[] halves = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    halves[i] = Fp16.fromFloat(values[i]);
                }
                out.add(name, "F16", info.shape(), SafetensorsFiles.shorts(halves));
            }
        }
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
