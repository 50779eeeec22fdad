package dev.quantforge.engine.onnx;

import java.nio.charset.StandardCharsets;

/** Reads protobuf fields one after the other from a byte range; enough for ONNX's graph messages. */
public final class ProtoReader {
    private final byte[] data;
    private final int start;
    private final int end;
    private int position;
    private int field;
    private int wireType;

    public ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int start, int end) {
        this.data = data;
        this.start = start;
        this.position = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end. */
    public boolean next() {
        if (position >= end) {
            return false;
        }
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        return true;
    }

    public int field() {
        return field;
    }

    public long int64() {
        return varint();
    }

    public String string() {
        int length = length();
        String s = new String(data, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    public ProtoReader message() {
        int length = length();
        ProtoReader r = new ProtoReader(data, position, position + length);
        position += length;
        return r;
    }

    /** The current field as an ONNX StringStringEntryProto: {key, value}, either null when absent. */
    public String[] stringEntry() {
        ProtoReader entry = message();
        String key = null;
        String value = null;
        while (entry.next()) {
            if (entry.field() == 1) {
                key = entry.string();
            } else if (entry.field() == 2) {
                value = entry.string();
            } else {
                entry.skip();
            }
        }
        return new String[]{key, value};
    }

    /** An ONNX OperatorSetIdProto: its domain ("" when absent) and version. */
    public record OpsetImport(String domain, long version) {
    }

    /** The current field as an ONNX OperatorSetIdProto. */
    public OpsetImport opsetImport() {
        ProtoReader opset = message();
        String domain = "";
        long version = 0;
        while (opset.next()) {
            if (opset.field() == 1) {
                domain = opset.string();
            } else if (opset.field() == 2) {
                version = opset.int64();
            } else {
                opset.skip();
            }
        }
        return new OpsetImport(domain, version);
    }

    /** For a repeated int64 field: its values whether packed or not (the current field's). */
    public long[] int64s() {
        if (wireType == 2) {
            ProtoReader packed = message();
            // at most one value per byte; grown by doubling, not by one (a packed field of a million values)
            long[] values = new long[Math.min(16, packed.end - packed.position)];
            int n = 0;
            while (packed.position < packed.end) {
                if (n == values.length) {
                    values = java.util.Arrays.copyOf(values, Math.min(values.length * 2, packed.end - packed.start));
                }
                values[n++] = packed.varint();
            }
            return java.util.Arrays.copyOf(values, n);
        }
        return new long[]{varint()};
    }

    /** A length-delimited field's bytes (a tensor's raw_data). */
    byte[] bytes() {
        int length = length();
        byte[] out = java.util.Arrays.copyOfRange(data, position, position + length);
        position += length;
        return out;
    }

    /** Length of a length-delimited field, skipping its bytes. */
    public int skipLength() {
        int length = length();
        position += length;
        return length;
    }

    public void skip() {
        switch (wireType) {
            case 0 -> varint();
            case 1 -> skipBytes(8);
            case 2 -> skipLength();
            case 5 -> skipBytes(4);
            default -> throw new IllegalArgumentException("protobuf wire type " + wireType + " at byte " + position);
        }
    }

    /** The current field's wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
    public int wireType() {
        return wireType;
    }

    /** Offset into the whole byte array where the next field (or the end) starts: for copying fields verbatim. */
    public int position() {
        return position;
    }

    /** For a length-delimited field: {@code {offset, length}} of its payload in the whole byte array, skipping it. */
    public int[] payload() {
        int length = length();
        int[] range = {position, length};
        position += length;
        return range;
    }

    /** A fixed32 field as a float (TensorProto's unpacked float_data). */
    public float float32() {
        require(4);
        int bits = (data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8 | (data[position + 2] & 0xFF) << 16
                | (data[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    /** A protobuf varint, for a packed repeated field read with {@link #message()}. */
    public long packedVarint() {
        return varint();
    }

    /** True while a reader made by {@link #message()} has bytes left. */
    public boolean hasRemaining() {
        return position < end;
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

    /** A length prefix, checked against what is left of the message before anything is read or allocated. */
    private int length() {
        long length = varint();
        if (length < 0 || length > end - position) {
            throw new IllegalArgumentException("protobuf field of " + Long.toUnsignedString(length)
                    + " bytes overruns its message at byte " + position);
        }
        return (int) length;
    }

    private void skipBytes(int n) {
        require(n);
        position += n;
    }

    private void require(int n) {
        if (end - position < n) {
            throw new IllegalArgumentException("truncated protobuf field at byte " + position);
        }
    }
}
