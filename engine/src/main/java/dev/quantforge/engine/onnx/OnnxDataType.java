package dev.quantforge.engine.onnx;

import java.util.Arrays;
import java.util.Optional;

/** The {@code TensorProto.DataType} values this exporter writes, with their element size in bytes. */
public enum OnnxDataType {
    FLOAT(1, 4), UINT8(2, 1), INT8(3, 1), INT32(6, 4), INT64(7, 8), BOOL(9, 1), FLOAT16(10, 2);

    private final int id;
    private final int size;

    OnnxDataType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() {
        return id;
    }

    public int size() {
        return size;
    }

    public static Optional<OnnxDataType> byId(int id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst();
    }

    /** The lower-case name ONNX tools print, e.g. {@code float16}. */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
