package dev.quantforge.engine.tokenizer;

import dev.quantforge.common.InvalidInputException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Just enough of the protobuf wire format to read a SentencePiece model: varints, fixed32 values and
 * length-delimited fields, each bounds-checked against the enclosing message.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final Path file;
    private final byte[] data;
    private final int end;
    private int position;

    ProtobufReader(Path file, byte[] data) {
        this(file, data, 0, data.length);
    }

    private ProtobufReader(Path file, byte[] data, int start, int end) {
        this.file = file;
        this.data = data;
        this.position = start;
        this.end = end;
    }

    boolean hasMore() {
        return position < end;
    }

    /** The next field's key: field number in the high bits, wire type in the low three. */
    int key() {
        long key = varint();
        if (key >>> 3 == 0 || key > Integer.MAX_VALUE) {
            throw corrupt("invalid field key " + key);
        }
        return (int) key;
    }

    static int fieldNumber(int key) {
        return key >>> 3;
    }

    static int wireType(int key) {
        return key & 7;
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw corrupt("truncated varint");
            }
            byte b = data[position++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    int fixed32() {
        require(4);
        int v = (data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8
                | (data[position + 2] & 0xFF) << 16 | (data[position + 3] & 0xFF) << 24;
        position += 4;
        return v;
    }

    /** A length-delimited field as a reader over just its bytes. */
    ProtobufReader message() {
        int length = length();
        ProtobufReader sub = new ProtobufReader(file, data, position, position + length);
        position += length;
        return sub;
    }

    String string() {
        int length = length();
        String s = new String(data, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> {
                require(8);
                position += 8;
            }
            case LENGTH_DELIMITED -> {
                int length = length(); // reads the length varint first: position moves
                position += length;
            }
            case FIXED32 -> {
                require(4);
                position += 4;
            }
            default -> throw corrupt("unsupported wire type " + wireType);
        }
    }

    /** Throws unless the key has the wire type the field is declared with. */
    void expect(int key, int wireType, String field) {
        if (wireType(key) != wireType) {
            throw corrupt(field + " has wire type " + wireType(key) + ", expected " + wireType);
        }
    }

    private int length() {
        long length = varint();
        if (length < 0 || length > end - position) {
            throw corrupt("field of " + Long.toUnsignedString(length) + " bytes runs past the end of its message");
        }
        return (int) length;
    }

    private void require(int n) {
        if (end - position < n) {
            throw corrupt("truncated field");
        }
    }

    InvalidInputException corrupt(String problem) {
        return new InvalidInputException(file + ": not a valid SentencePiece model: " + problem + " at byte " + position);
    }
}
