package dev.quantforge.engine.hf;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A small 1-D F32 tensor computed from the config rather than read, such as {@code rope_freqs.weight}. */
final class GeneratedTensor implements TensorSource {
    private final String name;
    private final ByteBuffer data;

    GeneratedTensor(String name, float[] values) {
        this.name = name;
        this.data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] shape() {
        return new long[] {data.capacity() / 4};
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public ByteBuffer bytes(long offset, int length) {
        return data.slice(Math.toIntExact(offset), length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
