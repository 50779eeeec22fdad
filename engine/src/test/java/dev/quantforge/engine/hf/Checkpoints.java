package dev.quantforge.engine.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.testing.Golden;
import dev.quantforge.engine.testing.Models;
import dev.quantforge.engine.testing.SafetensorsFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Writable copies of stories260K for tests that break one thing at a time. */
final class Checkpoints {
    static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {
    }

    /** Copies the F32 stories260K checkpoint (config, tokenizer, weights) into {@code dir}. */
    static Path copyStories(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String file : List.of("config.json", "generation_config.json", "special_tokens_map.json",
                    "tokenizer.model", "tokenizer_config.json", "model.safetensors")) {
                Path copy = Files.copy(Models.stories260K().resolve(file), dir.resolve(file));
                copy.toFile().setWritable(true); // the shared originals are read-only
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void editConfig(Path dir, Consumer<ObjectNode> edit) {
        try {
            ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
            edit.accept(config);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What to do with each stories tensor when rewriting model.safetensors. */
    interface TensorEdit {
        /** Adds the tensor (as is or changed) to {@code out}, or leaves it out. */
        void apply(SafetensorsTensorInfo info, byte[] data, SafetensorsFiles.Builder out);
    }

    static void rewriteWeights(Path dir, TensorEdit edit) {
        SafetensorsFiles.Builder out = new SafetensorsFiles.Builder();
        try (SafetensorsCheckpoint stories = SafetensorsCheckpoint.open(Models.stories260K())) {
            for (String name : stories.names()) {
                SafetensorsTensorInfo info = stories.info(name).orElseThrow();
                edit.apply(info, Golden.bytes(stories.source(name).bytes(0, (int) info.byteSize())), out);
            }
        }
        out.write(dir.resolve("model.safetensors"));
    }

    static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
