package dev.quantforge.engine.tensor;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads rows of an F32, F16 or BF16 tensor as float32 (F16 and BF16 widen exactly). */
public final class FloatRows {
    /** Four halves in each of the 16-bit lanes of a long, little-endian as in the file. */
    private static final long F16_EXPONENTS = 0x7C007C007C007C00L;
    private static final long F16_EXPONENT_LOW_BITS = 0x0400040004000400L;
    private static final long BF16_EXPONENTS = 0x7F807F807F807F80L;
    private static final long BF16_EXPONENT_LOW_BITS = 0x0080008000800080L;
    private static final long HALF_TOP_BITS = 0x8000800080008000L;
    /** The rows' bytes as read from the file: direct, so the positional read needs no copy of its own. */
    private static final ThreadLocal<ByteBuffer> RAW = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN));

    private FloatRows() {
    }

    /**
     * Reads {@code rows} rows from {@code firstRow} into {@code dst[0 ..)}; true when every value read is finite.
     * F16 and BF16 halves are checked as they widen, four at a time, so that a caller need not scan the floats
     * again (that scan took a twentieth of a Q4_1 quantize).
     */
    public static boolean read(TensorSource tensor, long firstRow, int rows, float[] dst) {
        GgmlType type = tensor.type();
        long rowLength = tensor.rowLength();
        int count = Math.toIntExact(rows * rowLength);
        long offset = firstRow * rowLength * type.typeSize();
        ByteBuffer bytes = raw(Math.multiplyExact(count, type.typeSize()));
        tensor.read(offset, bytes);
        bytes.flip();
        return switch (type) {
            case F32 -> {
                bytes.asFloatBuffer().get(dst, 0, count);
                yield allFinite(dst, count);
            }
            case F16 -> widen(bytes, dst, count, false);
            case BF16 -> widen(bytes, dst, count, true);
            default -> throw new IllegalArgumentException(
                    "tensor " + tensor.name() + " is " + type + "; only F32, F16 and BF16 can be read as floats");
        };
    }

    /**
     * Widens F16 or BF16 halves four at a time, read from the direct buffer a {@code long} at a time (faster than
     * a bulk copy into a {@code long[]} first, and than a {@code getShort} each); true when none is Inf or NaN.
     * In each half, {@code (h & exponent) + the exponent's lowest bit} reaches the half's top bit only for an
     * exponent of all ones, and carries no further: the check costs three operations per four values. C2 takes
     * the test of {@code bf16} out of the loops (one copy of each loop per type).
     */
    private static boolean widen(ByteBuffer bytes, float[] dst, int count, boolean bf16) {
        long exponents = bf16 ? BF16_EXPONENTS : F16_EXPONENTS;
        long exponentLowBits = bf16 ? BF16_EXPONENT_LOW_BITS : F16_EXPONENT_LOW_BITS;
        int quads = count / 4;
        long overflow = 0;
        for (int i = 0; i < quads; i++) {
            long four = bytes.getLong(8 * i);
            int at = 4 * i;
            if (bf16) {
                dst[at] = Float.intBitsToFloat((int) four << 16);
                dst[at + 1] = Float.intBitsToFloat((int) four & 0xFFFF0000);
                dst[at + 2] = Float.intBitsToFloat((int) (four >>> 32) << 16);
                dst[at + 3] = Float.intBitsToFloat((int) (four >>> 32) & 0xFFFF0000);
            } else {
                dst[at] = Fp16.toFloat((short) four);
                dst[at + 1] = Fp16.toFloat((short) (four >>> 16));
                dst[at + 2] = Fp16.toFloat((short) (four >>> 32));
                dst[at + 3] = Fp16.toFloat((short) (four >>> 48));
            }
            overflow |= (four & exponents) + exponentLowBits;
        }
        for (int i = 4 * quads; i < count; i++) {
            short half = bytes.getShort(2 * i);
            dst[i] = bf16 ? Bf16.toFloat(half) : Fp16.toFloat(half);
            overflow |= ((half & 0xFFFF) & exponents) + (exponentLowBits & 0xFFFF);
        }
        return (overflow & HALF_TOP_BITS) == 0;
    }

    /** Whether {@code values[0 .. count)} holds no infinity and no NaN. */
    public static boolean allFinite(float[] values, int count) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
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
}
