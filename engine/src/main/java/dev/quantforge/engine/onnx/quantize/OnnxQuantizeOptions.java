package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How to quantize an ONNX model: the method, per-channel weights, 7-bit weights (reduce_range), the nodes or op types
 * to leave alone, the MatMulNBits block size for int4, and int8-dynamic's weight type (int8 as quantize_dynamic's
 * default; uint8 for Optimum's avx2 preset, {@link OnnxPreset}).
 */
public record OnnxQuantizeOptions(Method method, boolean perChannel, boolean reduceRange, List<String> exclude,
                                  int blockSize, Path calibrationData, Calibration calibration, QuantType weightType,
                                  QdqSettings qdq) {

    /**
     * How int8-static finds activation ranges (ORT's CalibrationMethod with its default settings). ENTROPY with
     * ORT's defaults (128 bins, 128 quantized bins) has one candidate threshold and so gives the MinMax range.
     */
    public enum Calibration {
        MINMAX, ENTROPY, PERCENTILE;

        public static Calibration parse(String name) {
            for (Calibration c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new InvalidInputException("--calibration " + name + ": minmax, entropy or percentile");
        }
    }

    public enum Method {
        INT8_DYNAMIC("int8-dynamic"), INT8_STATIC("int8-static"), INT4("int4");

        private final String cliName;

        Method(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        public static Method parse(String name) {
            for (Method m : values()) {
                if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new InvalidInputException("unknown ONNX quantization " + name + " (int8-dynamic, int8-static or int4)");
        }
    }

    public OnnxQuantizeOptions {
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        calibration = calibration == null ? Calibration.MINMAX : calibration;
        weightType = weightType == null ? QuantType.INT8 : weightType;
        qdq = qdq == null ? QdqSettings.ORT_DEFAULTS : qdq;
        if (weightType != QuantType.INT8 && method != Method.INT8_DYNAMIC) {
            throw new InvalidInputException("uint8 weights are built for int8-dynamic only, not " + method.cliName());
        }
        if (blockSize < 16 || Integer.bitCount(blockSize) != 1) {
            throw new InvalidInputException("--block-size must be a power of two of at least 16, got " + blockSize);
        }
    }

    public OnnxQuantizeOptions(Method method, boolean perChannel, boolean reduceRange, List<String> exclude, int blockSize) {
        this(method, perChannel, reduceRange, exclude, blockSize, null, Calibration.MINMAX, QuantType.INT8, null);
    }

    public OnnxQuantizeOptions(Method method, boolean perChannel, boolean reduceRange, List<String> exclude, int blockSize,
                               Path calibrationData, Calibration calibration) {
        this(method, perChannel, reduceRange, exclude, blockSize, calibrationData, calibration, QuantType.INT8, null);
    }

    public OnnxQuantizeOptions(Method method, boolean perChannel, boolean reduceRange, List<String> exclude, int blockSize,
                               Path calibrationData, Calibration calibration, QuantType weightType) {
        this(method, perChannel, reduceRange, exclude, blockSize, calibrationData, calibration, weightType, null);
    }

    public static OnnxQuantizeOptions int8Dynamic(boolean perChannel, boolean reduceRange) {
        return new OnnxQuantizeOptions(Method.INT8_DYNAMIC, perChannel, reduceRange, List.of(), 32);
    }

    public OnnxQuantizeOptions excluding(List<String> names) {
        return new OnnxQuantizeOptions(method, perChannel, reduceRange, names, blockSize, calibrationData, calibration, weightType, qdq);
    }

    /** Calibration text for int8-static: one example per line, tokenized with the model's tokenizer.json. */
    public OnnxQuantizeOptions withCalibration(Path text, Calibration how) {
        return new OnnxQuantizeOptions(method, perChannel, reduceRange, exclude, blockSize, text, how, weightType, qdq);
    }

    /** A node is excluded by its name or its op type. */
    boolean excludes(GraphNode node) {
        return exclude.contains(node.name()) || exclude.contains(node.opType());
    }

    /** The precision name in the output's metadata, e.g. {@code int8-dynamic-per-channel-reduce-range}. */
    public String precision() {
        if (method == Method.INT4) {
            return "int4-b" + blockSize + "-matmulnbits";
        }
        if (method == Method.INT8_STATIC) {
            // the op set is not in the name: jobs' MatMul-only QDQ keeps the name it had
            return "int8-static-qdq-" + calibration.name().toLowerCase(Locale.ROOT)
                    + (qdq.activationType() == QuantType.UINT8 ? "-u8" : "") + (qdq.activationSymmetric() ? "-symmetric" : "")
                    + (qdq.weightQdqPairs() ? "-weight-pairs" : "") + (qdq.dedicatedPairs() ? "-dedicated" : "")
                    + (perChannel ? "-per-channel" : "") + (reduceRange ? "-reduce-range" : "");
        }
        return method.cliName() + (weightType == QuantType.UINT8 ? "-u8u8" : "") + (perChannel ? "-per-channel" : "")
                + (reduceRange ? "-reduce-range" : "");
    }
}
