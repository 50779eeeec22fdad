package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;

import java.util.Objects;

/**
 * How an ONNX variant is written.
 *
 * @param blockSize      int4: elements per quantization block along K (16, 32, 64, 128 or 256; default 32)
 * @param symmetric      int4: symmetric blocks (no zero points) instead of asymmetric (default false,
 *                       ONNX Runtime's quantizer's default)
 * @param accuracyLevel  int4: MatMulNBits' accuracy_level, the minimum precision of its input A (0 unset,
 *                       1 fp32, 2 fp16, 3 bf16, 4 int8); default 0
 * @param quantizeLmHead int8/int4: quantize the output projection (lm_head) like the other MatMuls
 *                       (default true); false keeps it float32. The token embedding (a Gather) is never
 *                       quantized: it stays float32 (float16 in the fp16 target). Tied embeddings get an
 *                       lm_head of their own, written from the embedding.
 * @param verify         load the result in ONNX Runtime before the output is moved into place
 * @param activations    int8/int4: the dtype of activations, KV cache and logits (default float32); float16 gives
 *                       the I/O of the fp16 target. fp32 and fp16 targets take the default only (theirs is fixed)
 */
public record OnnxExportOptions(OnnxPrecision precision, int blockSize, boolean symmetric, int accuracyLevel,
                                boolean quantizeLmHead, boolean verify, OnnxActivations activations) {
    public static final int DEFAULT_BLOCK_SIZE = 32;
    /** How {@link #name()} ends for float16 activations. */
    private static final String FP16_ACTIVATIONS = "-fp16act";

    public OnnxExportOptions {
        Objects.requireNonNull(precision, "precision");
        if (blockSize < 16 || blockSize > 256 || Integer.bitCount(blockSize) != 1) {
            throw new InvalidInputException("ONNX int4 block size must be 16, 32, 64, 128 or 256, got " + blockSize);
        }
        if (accuracyLevel < 0 || accuracyLevel > 4) {
            throw new InvalidInputException("ONNX int4 accuracy level must be 0..4, got " + accuracyLevel);
        }
        Objects.requireNonNull(activations, "activations");
        if (activations != OnnxActivations.FP32 && !precision.quantized()) {
            throw new InvalidInputException("ONNX activations " + activations.label() + " apply to int8 and int4 only; the "
                    + precision.label() + " target's activations are " + precision.label());
        }
    }

    public static OnnxExportOptions of(OnnxPrecision precision) {
        return new OnnxExportOptions(precision, DEFAULT_BLOCK_SIZE, false, 0, true, true, OnnxActivations.FP32);
    }

    public OnnxExportOptions withBlockSize(int value) {
        return new OnnxExportOptions(precision, value, symmetric, accuracyLevel, quantizeLmHead, verify, activations);
    }

    public OnnxExportOptions withSymmetric(boolean value) {
        return new OnnxExportOptions(precision, blockSize, value, accuracyLevel, quantizeLmHead, verify, activations);
    }

    public OnnxExportOptions withAccuracyLevel(int value) {
        return new OnnxExportOptions(precision, blockSize, symmetric, value, quantizeLmHead, verify, activations);
    }

    public OnnxExportOptions withQuantizeLmHead(boolean value) {
        return new OnnxExportOptions(precision, blockSize, symmetric, accuracyLevel, value, verify, activations);
    }

    public OnnxExportOptions withVerify(boolean value) {
        return new OnnxExportOptions(precision, blockSize, symmetric, accuracyLevel, quantizeLmHead, value, activations);
    }

    public OnnxExportOptions withActivations(OnnxActivations value) {
        return new OnnxExportOptions(precision, blockSize, symmetric, accuracyLevel, quantizeLmHead, verify, value);
    }

    /** The dtype of the graph's activations, KV cache and logits: float16 in the fp16 target and with fp16 activations. */
    public OnnxDataType activationType() {
        return precision == OnnxPrecision.FP16 ? OnnxDataType.FLOAT16 : activations.type();
    }

    /** A short name: {@code fp16}, {@code int8}, {@code int4-b32-asym}, {@code int4-b128-asym-fp16act}. */
    public String name() {
        String name = precision == OnnxPrecision.INT4
                ? "int4-b" + blockSize + (symmetric ? "-sym" : "-asym") + (accuracyLevel > 0 ? "-acc" + accuracyLevel : "")
                : precision.label();
        return activations == OnnxActivations.FP16 ? name + FP16_ACTIVATIONS : name;
    }

    /** Whether a precision name as {@link #name()} writes it (a variant's metadata) says float16 activations. */
    public static boolean hasFp16Activations(String name) {
        return name != null && name.endsWith(FP16_ACTIVATIONS);
    }
}
