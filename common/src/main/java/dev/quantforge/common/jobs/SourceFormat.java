package dev.quantforge.common.jobs;

/**
 * How the source model is stored: a Hugging Face checkpoint directory, one GGUF file, or an ONNX model (a
 * {@code .onnx} file, its external data beside it: an embedder, a classifier, quantized by {@code onnx-model} recipes).
 */
public enum SourceFormat {
    HF, GGUF, ONNX
}
