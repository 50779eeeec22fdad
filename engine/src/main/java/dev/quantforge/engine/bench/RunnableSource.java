package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.hf.HfConverter;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsDtype;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The source model as a file llama.cpp can run, for the reference logits: a GGUF source is itself; a
 * Hugging Face checkpoint is converted once, at the precision of its weights (F32, F16 or BF16).
 */
public final class RunnableSource {
    private RunnableSource() {
    }

    /** {@code source} itself when it is a GGUF file, else a GGUF written into {@code scratchDir}. */
    public static Path gguf(Path source, Path scratchDir) {
        if (!Files.exists(source)) {
            throw new InvalidInputException(source + ": no such file or directory");
        }
        if (!Files.isDirectory(source)) {
            if (!hasGgufMagic(source)) {
                throw new InvalidInputException(source + ": not a GGUF file or a Hugging Face checkpoint directory");
            }
            GgufFile.open(source).close(); // a damaged header fails here, naming the file
            return source;
        }
        OutputType precision = precision(source);
        try {
            Files.createDirectories(scratchDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + scratchDir + ": " + e.getMessage(), e);
        }
        Path output = scratchDir.resolve(source.toAbsolutePath().normalize().getFileName() + "-"
                + precision.name().toLowerCase(Locale.ROOT) + ".gguf");
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        HfConverter.convert(source, output, precision.ggmlType(), ModelQuantizer.withThreads(threads));
        return output;
    }

    /**
     * The widest float type among the checkpoint's tensors, so that the conversion loses nothing:
     * any F32 tensor makes it F32; otherwise BF16 or F16 as stored (a checkpoint mixing the two gets F32,
     * since neither holds the other exactly).
     */
    static OutputType precision(Path checkpoint) {
        boolean f16 = false;
        boolean bf16 = false;
        try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(checkpoint)) {
            for (String name : weights.names()) {
                SafetensorsDtype dtype = weights.info(name).orElseThrow().dtype();
                GgmlType type = dtype.ggmlType().orElse(GgmlType.F32);
                if (type == GgmlType.F32) {
                    return OutputType.F32;
                }
                f16 |= type == GgmlType.F16;
                bf16 |= type == GgmlType.BF16;
            }
        }
        if (f16 && bf16) {
            return OutputType.F32;
        }
        return bf16 ? OutputType.BF16 : f16 ? OutputType.F16 : OutputType.F32;
    }

    private static boolean hasGgufMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage());
        }
    }
}
