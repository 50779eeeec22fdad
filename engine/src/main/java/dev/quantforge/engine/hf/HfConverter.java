package dev.quantforge.engine.hf;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJob;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code quantforge convert}: a Hugging Face checkpoint to one GGUF file, streamed tensor by tensor. */
public final class HfConverter {
    /** llama.cpp's LLAMA_FTYPE_MOSTLY_Q8_0. */
    private static final int Q8_0_FILE_TYPE = 7;

    private HfConverter() {
    }

    /**
     * Writes {@code checkpoint} to {@code output} with matrices in {@code outputType}. A checkpoint that
     * cannot be converted fails before anything is written; a failure while writing leaves no file.
     */
    public static QuantizeResult convert(Path checkpoint, Path output, OutputType outputType) {
        return convert(checkpoint, output, outputType.ggmlType(), ModelQuantizer.withThreads(1));
    }

    /**
     * Like {@link #convert(Path, Path, OutputType)}, with matrices in F32, F16, BF16 or Q8_0 (as
     * llama.cpp's converter: a matrix whose rows do not fit Q8_0's blocks becomes F16).
     */
    public static QuantizeResult convert(Path checkpoint, Path output, GgmlType matrixType, ModelQuantizer quantizer) {
        if (matrixType != GgmlType.Q8_0) {
            try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.parse(matrixType.name()))) {
                return write(source, output, quantizer);
            }
        }
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            List<TensorJob> jobs = source.tensors().stream().map(t -> new TensorJob(t, q8Target(t), null)).toList();
            Map<String, GgufValue> metadata = new LinkedHashMap<>(source.metadata());
            metadata.put(OutputMetadata.FILE_TYPE, GgufValue.ofUint32(Q8_0_FILE_TYPE));
            metadata.put(OutputMetadata.QUANTIZATION_VERSION, GgufValue.ofUint32(OutputMetadata.GGML_QUANTIZATION_VERSION));
            return quantizer.write(source.description(), metadata, jobs, output);
        }
    }

    /**
     * Writes an opened checkpoint (e.g. an MLX directory read through its dequantizer) to {@code output} with every
     * tensor in the type it was opened with, streamed tensor by tensor.
     */
    public static QuantizeResult write(HfModelSource source, Path output, ModelQuantizer quantizer) {
        List<TensorJob> copies = source.tensors().stream().map(t -> new TensorJob(t, t.type(), null)).toList();
        return quantizer.write(source.description(), source.metadata(), copies, output);
    }

    private static GgmlType q8Target(TensorSource t) {
        if (!HfModelSource.isMatrix(t.name(), Shapes.dimensions(t.shape()))) {
            return t.type();
        }
        return t.rowLength() % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }
}
