package dev.quantforge.engine.gguf;

import java.lang.reflect.Array;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A GGUF array: the element type and a Java array of matching width (byte[], short[], int[],
 * long[], float[], double[], boolean[], String[], or GgufArray[] for nested arrays).
 */
public record GgufArray(GgufValueType elementType, Object elements) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(elements, "elements");
        Class<?> expected = arrayClass(elementType);
        if (!expected.isInstance(elements)) {
            throw new IllegalArgumentException("array of " + elementType + " must be held as "
                    + expected.getSimpleName() + ", got " + elements.getClass().getSimpleName());
        }
    }

    static Class<?> arrayClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    public static GgufArray ofStrings(String... values) {
        return new GgufArray(GgufValueType.STRING, values);
    }

    public static GgufArray ofFloats(float... values) {
        return new GgufArray(GgufValueType.FLOAT32, values);
    }

    public static GgufArray ofInts(int... values) {
        return new GgufArray(GgufValueType.INT32, values);
    }

    public int length() {
        return Array.getLength(elements);
    }

    public String[] strings() {
        return (String[]) elements;
    }

    public float[] floats() {
        return (float[]) elements;
    }

    public int[] ints() {
        return (int[]) elements;
    }

    String display() {
        int n = length();
        StringJoiner joiner = new StringJoiner(", ", "[", n > 6 ? ", … (" + n + " " + elementType + ")]" : "]");
        for (int i = 0; i < Math.min(n, 6); i++) {
            Object e = Array.get(elements, i);
            joiner.add(e instanceof String s ? '"' + GgufValue.abbreviate(s, 24) + '"'
                    : e instanceof GgufArray a ? a.display() : String.valueOf(e));
        }
        return joiner.toString();
    }
}
