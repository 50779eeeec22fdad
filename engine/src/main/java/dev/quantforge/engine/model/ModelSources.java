package dev.quantforge.engine.model;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.onnx.quantize.OnnxModelSource;
import dev.quantforge.engine.onnx.quantize.OnnxQuantizer;
import dev.quantforge.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens whatever a user points at as a model: a GGUF file, a Hugging Face checkpoint directory
 * (converted on the fly, values exact in F32), or a single safetensors file (its tensors as stored).
 */
public final class ModelSources {
    private ModelSources() {
    }

    public static ModelSource open(Path path) {
        if (!Files.exists(path)) {
            throw new InvalidInputException(path + ": no such file or directory");
        }
        if (Files.isDirectory(path)) {
            return HfModelSource.open(path, OutputType.F32);
        }
        if (isGguf(path)) {
            return GgufFile.open(path);
        }
        if (OnnxQuantizer.isOnnxFile(path)) {
            return OnnxModelSource.open(path);
        }
        if (path.getFileName().toString().endsWith(".safetensors")) {
            return new SafetensorsModelSource(SafetensorsFile.open(path));
        }
        throw new InvalidInputException(path + ": not a GGUF file (no \"GGUF\" magic), a .safetensors file or a Hugging Face directory");
    }

    /** A source in the format a job declares: a checkpoint directory (HF, converted on the fly as F32) or a GGUF file. */
    public static ModelSource open(SourceFormat format, Path path) {
        return switch (format) {
            case HF -> HfModelSource.open(path, OutputType.F32);
            case GGUF -> GgufFile.open(path);
            case ONNX -> OnnxModelSource.open(path);
        };
    }

    /** Whether the file starts with GGUF's magic. */
    public static boolean isGguf(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new InvalidInputException(path + ": cannot read: " + e.getMessage());
        }
    }
}
