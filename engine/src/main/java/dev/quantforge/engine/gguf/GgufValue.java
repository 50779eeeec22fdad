package dev.quantforge.engine.gguf;

import java.util.Objects;

/**
 * One metadata value with its exact GGUF type, so that a file read and written again keeps every
 * byte. Scalars are held as the Java type of the same width (unsigned values in their two's
 * complement bit pattern): UINT8/INT8 → Byte, UINT16/INT16 → Short, UINT32/INT32 → Integer,
 * UINT64/INT64 → Long, FLOAT32 → Float, FLOAT64 → Double, BOOL → Boolean, STRING → String,
 * ARRAY → {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = javaType(type);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + " value must be a " + expected.getSimpleName()
                    + ", got " + value.getClass().getSimpleName());
        }
    }

    static Class<?> javaType(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> Byte.class;
            case UINT16, INT16 -> Short.class;
            case UINT32, INT32 -> Integer.class;
            case UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUint32(int v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray array) {
        return new GgufValue(GgufValueType.ARRAY, array);
    }

    /** The value as a long, for any integer type (unsigned types zero-extended). */
    public long asLong() {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedLong((Byte) value);
            case INT8 -> (Byte) value;
            case UINT16 -> Short.toUnsignedLong((Short) value);
            case INT16 -> (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (Integer) value;
            case UINT64, INT64 -> (Long) value;
            case BOOL -> ((Boolean) value) ? 1 : 0;
            default -> throw new IllegalStateException("not an integer: " + type);
        };
    }

    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            default -> asLong();
        };
    }

    public String asString() {
        if (type != GgufValueType.STRING) {
            throw new IllegalStateException("not a string: " + type);
        }
        return (String) value;
    }

    public GgufArray asArray() {
        if (type != GgufValueType.ARRAY) {
            throw new IllegalStateException("not an array: " + type);
        }
        return (GgufArray) value;
    }

    /** A short human-readable rendering; long arrays are abbreviated. */
    public String display() {
        return switch (type) {
            case STRING -> '"' + abbreviate((String) value, 80) + '"';
            case ARRAY -> ((GgufArray) value).display();
            case UINT8, UINT16, UINT32 -> Long.toString(asLong());
            case UINT64 -> Long.toUnsignedString((Long) value);
            default -> String.valueOf(value);
        };
    }

    static String abbreviate(String s, int max) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "…";
    }
}
