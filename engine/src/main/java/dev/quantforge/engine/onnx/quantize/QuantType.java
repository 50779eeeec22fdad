package dev.quantforge.engine.onnx.quantize;

/**
 * The 8-bit integer types ONNX Runtime's quantizer writes, with its three ranges per type (quant_utils'
 * {@code ONNX_INT_TYPE_RANGE}, {@code ONNX_INT_TYPE_SYMMETRIC_RANGE}, {@code ONNX_INT_TYPE_REDUCED_RANGE}).
 */
public enum QuantType {
    UINT8(2, 0, 255, 0, 254, 0, 127),
    INT8(3, -128, 127, -127, 127, -64, 64);

    private final int onnxId;
    private final int min;
    private final int max;
    private final int symmetricMin;
    private final int symmetricMax;
    private final int reducedMin;
    private final int reducedMax;

    QuantType(int onnxId, int min, int max, int symmetricMin, int symmetricMax, int reducedMin, int reducedMax) {
        this.onnxId = onnxId;
        this.min = min;
        this.max = max;
        this.symmetricMin = symmetricMin;
        this.symmetricMax = symmetricMax;
        this.reducedMin = reducedMin;
        this.reducedMax = reducedMax;
    }

    /** TensorProto.DataType. */
    public int onnxId() {
        return onnxId;
    }

    /** The type's full range, what quantized values are clipped to whatever range the scale was made for. */
    public int min() {
        return min;
    }

    public int max() {
        return max;
    }

    /**
     * {@code get_qmin_qmax_for_qType}: reduce_range wins over symmetric (int8 7-bit is -64..64, uint8 0..127);
     * symmetric gives -127..127 / 0..254; otherwise the full range.
     */
    public int[] range(boolean reduceRange, boolean symmetric) {
        if (reduceRange) {
            return new int[]{reducedMin, reducedMax};
        }
        if (symmetric) {
            return new int[]{symmetricMin, symmetricMax};
        }
        return new int[]{min, max};
    }
}
