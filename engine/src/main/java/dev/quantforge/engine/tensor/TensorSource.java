package dev.quantforge.engine.tensor;

import dev.quantforge.engine.ggml.GgmlType;

import java.nio.ByteBuffer;

/** A tensor stored in some file (GGUF, safetensors), readable in pieces without loading it whole. */
public interface TensorSource {

    String name();

    /** Dimensions with the row length first (ggml's ne0, ne1, …). */
    long[] shape();

    GgmlType type();

    /** A little-endian view of {@code length} bytes of the tensor's data starting at {@code offset}. */
    ByteBuffer bytes(long offset, int length);

    /**
     * Copies {@code dst.remaining()} bytes of the tensor's data from {@code offset} into {@code dst}. Sources
     * in files read them without mapping: a mapped piece stays resident until the collector frees its buffer,
     * which for a whole model streamed in pieces added up to the size of the file in resident memory.
     */
    default void read(long offset, ByteBuffer dst) {
        dst.put(bytes(offset, dst.remaining()));
    }

    default long elementCount() {
        return Shapes.elementCount(shape());
    }

    default long rowLength() {
        return shape()[0];
    }

    default long rowCount() {
        return elementCount() / rowLength();
    }

    default long byteSize() {
        return type().byteSize(elementCount(), rowLength());
    }
}
