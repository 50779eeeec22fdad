package dev.quantforge.engine.onnx.quantize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An initializer the quantizer made: element type, dims and little-endian data. */
public record NewTensor(String name, int dataType, long[] dims, byte[] data) {

    public NewTensor {
        dims = dims.clone();
    }

    static NewTensor floats(String name, long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new NewTensor(name, StoredTensor.FLOAT, dims, b.array());
    }

    static NewTensor bytes(String name, int dataType, long[] dims, byte[] values) {
        return new NewTensor(name, dataType, dims, values);
    }
}
