package dev.quantforge.engine.ggml;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian access to byte arrays, the byte order of every GGUF and safetensors file. */
public final class LittleEndian {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    public static short getShort(byte[] b, int offset) {
        return (short) SHORT.get(b, offset);
    }

    public static int getUnsignedShort(byte[] b, int offset) {
        return Short.toUnsignedInt((short) SHORT.get(b, offset));
    }

    public static void putShort(byte[] b, int offset, short value) {
        SHORT.set(b, offset, value);
    }

    public static int getInt(byte[] b, int offset) {
        return (int) INT.get(b, offset);
    }

    public static void putInt(byte[] b, int offset, int value) {
        INT.set(b, offset, value);
    }

    public static long getLong(byte[] b, int offset) {
        return (long) LONG.get(b, offset);
    }

    public static void putLong(byte[] b, int offset, long value) {
        LONG.set(b, offset, value);
    }

    public static float getFloat(byte[] b, int offset) {
        return (float) FLOAT.get(b, offset);
    }

    public static void putFloat(byte[] b, int offset, float value) {
        FLOAT.set(b, offset, value);
    }

    /** Reads an IEEE half stored at {@code offset} as float32 (exact). */
    public static float getHalf(byte[] b, int offset) {
        return Fp16.toFloat((short) SHORT.get(b, offset));
    }

    /** Stores {@code value} rounded to IEEE half the way ggml does. */
    public static void putHalf(byte[] b, int offset, float value) {
        SHORT.set(b, offset, Fp16.fromFloat(value));
    }
}
