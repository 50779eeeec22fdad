package dev.quantforge.common.jobs;

import java.util.Locale;

/**
 * How the source model is stored: a Hugging Face checkpoint directory, one GGUF file, or an ONNX model (a
 * {@code .onnx} file, its external data beside it: an embedder, a classifier, quantized by {@code onnx-model} recipes).
 */
public enum SourceFormat {
    HF, GGUF, ONNX;

    /** The file an ONNX source given as a prefix must hold: what Optimum and transformers.js exports name it. */
    public static final String ONNX_MODEL_FILE = "model.onnx";

    /** An ONNX source's model object: the {@code .onnx} object it names, or {@value #ONNX_MODEL_FILE} under a prefix. */
    public static S3Uri onnxModelObject(S3Uri source) {
        return source.key().toLowerCase(Locale.ROOT).endsWith(".onnx") ? source : source.resolve(ONNX_MODEL_FILE);
    }
}
