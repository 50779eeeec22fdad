package dev.quantforge.engine.gguf;

import java.util.Optional;

/** GGUF metadata value types with their on-disk ids. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int width;

    GgufValueType(int id, int width) {
        this.id = id;
        this.width = width;
    }

    public int id() {
        return id;
    }

    /** Bytes of one value, or -1 for strings and arrays. */
    public int width() {
        return width;
    }

    public static Optional<GgufValueType> byId(int id) {
        for (GgufValueType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
