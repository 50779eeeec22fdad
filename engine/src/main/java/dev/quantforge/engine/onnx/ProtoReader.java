package dev.quantforge.engine.onnx;

import java.nio.charset.StandardCharsets;

/** Reads protobuf fields one after the other from a byte range; enough for ONNX's graph messages. */
final class ProtoReader {
    private final byte[] data;
    private final int end;
    private int position;
    private int field;
    private int wireType;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int start, int end) {
        this.data = data;
        this.position = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end. */
    boolean next() {
        if (position >= end) {
            return false;
        }
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        return true;
    }

    int field() {
        return field;
    }

    long int64() {
        return varint();
    }

    String string() {
        int length = (int) varint();
        check(length);
        String s = new String(data, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    ProtoReader message() {
        int length = (int) varint();
        check(length);
        ProtoReader r = new ProtoReader(data, position, position + length);
        position += length;
        return r;
    }

    /** For a repeated int64 field: its values whether packed or not (the current field's). */
    long[] int64s() {
        if (wireType == 2) {
            ProtoReader packed = message();
            long[] values = new long[0];
            while (packed.position < packed.end) {
                values = java.util.Arrays.copyOf(values, values.length + 1);
                values[values.length - 1] = packed.varint();
            }
            return values;
        }
        return new long[]{varint()};
    }

    /** A length-delimited field's bytes (a tensor's raw_data). */
    byte[] bytes() {
        int length = (int) varint();
        check(length);
        byte[] out = java.util.Arrays.copyOfRange(data, position, position + length);
        position += length;
        return out;
    }

    /** Length of a length-delimited field, skipping its bytes. */
    int skipLength() {
        int length = (int) varint();
        check(length);
        position += length;
        return length;
    }

    void skip() {
        switch (wireType) {
            case 0 -> varint();
            case 1 -> position += 8;
            case 2 -> skipLength();
            case 5 -> position += 4;
            default -> throw new IllegalArgumentException("protobuf wire type " + wireType + " at byte " + position);
        }
    }

    private long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw new IllegalArgumentException("truncated protobuf varint");
            }
            byte b = data[position++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("malformed protobuf varint");
    }

    private void check(int length) {
        if (length < 0 || position + length > end) {
            throw new IllegalArgumentException("protobuf field of " + length + " bytes overruns its message");
        }
    }
}
