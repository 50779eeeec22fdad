package dev.quantforge.engine.tensor;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads rows of an F32, F16 or BF16 tensor as float32 (F16 and BF16 widen exactly). */
public final class FloatRows {
    /** The raw halves of the rows being widened: one bulk copy out of the read buffer beats a getShort each. */
    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[0]);
    /** The rows' bytes as read from the file: direct, so the positional read needs no copy of its own. */
    private static final ThreadLocal<ByteBuffer> RAW = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN));

    private FloatRows() {
    }

    public static void read(TensorSource tensor, long firstRow, int rows, float[] dst) {
        GgmlType type = tensor.type();
        long rowLength = tensor.rowLength();
        int count = Math.toIntExact(rows * rowLength);
        long offset = firstRow * rowLength * type.typeSize();
        ByteBuffer bytes = raw(Math.multiplyExact(count, type.typeSize()));
        tensor.read(offset, bytes);
        bytes.flip();
        switch (type) {
            case F32 -> bytes.asFloatBuffer().get(dst, 0, count);
            case F16 -> {
                short[] halves = halves(bytes, count);
                for (int i = 0; i < count; i++) {
                    dst[i] = Fp16.toFloat(halves[i]);
                }
            }
            case BF16 -> {
                short[] halves = halves(bytes, count);
                for (int i = 0; i < count; i++) {
                    dst[i] = Bf16.toFloat(halves[i]);
                }
            }
            default -> throw new IllegalArgumentException(
                    "tensor " + tensor.name() + " is " + type + "; only F32, F16 and BF16 can be read as floats");
        }
    }

    private static ByteBuffer raw(int length) {
        ByteBuffer raw = RAW.get();
        if (raw.capacity() < length) {
            raw = ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN);
            RAW.set(raw);
        }
        raw.clear().limit(length);
        return raw;
    }

    private static short[] halves(ByteBuffer bytes, int count) {
        short[] halves = HALVES.get();
        if (halves.length < count) {
            halves = new short[count];
            HALVES.set(halves);
        }
        bytes.asShortBuffer().get(halves, 0, count);
        return halves;
    }
}
