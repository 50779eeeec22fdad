package dev.quantforge.engine.onnx.quantize;

import java.util.Arrays;

/**
 * An initializer of the source model as stored: name, element type and dims, where its encoded TensorProto lies in
 * the model file (for copying it verbatim) and where its data is: {@code raw_data} or packed {@code float_data} in
 * the model file, or a range of an external data file.
 */
public record StoredTensor(String name, int dataType, long[] dims, int protoOffset, int protoLength, Data data) {

    /** Where the elements are. */
    public sealed interface Data {
    }

    /** {@code raw_data}: little-endian bytes at {@code offset} of the model file. */
    public record Raw(int offset, int length) implements Data {
    }

    /** Typed repeated fields (float_data and the like): read through the proto, never from raw bytes. */
    public record Typed() implements Data {
    }

    /** {@code data_location: EXTERNAL}: {@code length} bytes at {@code offset} of {@code location}. */
    public record External(String location, long offset, long length) implements Data {
    }

    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int FLOAT16 = 10;

    public StoredTensor {
        dims = dims.clone();
    }

    public long elements() {
        return Arrays.stream(dims).reduce(1, Math::multiplyExact);
    }

    public boolean external() {
        return data instanceof External;
    }
}
