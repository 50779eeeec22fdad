package dev.quantforge.engine.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What the throughput tests pin: a speed change must leave the bytes a quantizer writes alone. */
final class OutputDigest {
    private OutputDigest() {
    }

    /** The first 16 hex digits of the SHA-256 of {@code bytes[0, length)}. */
    static String sha256(byte[] bytes, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, 0, length);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same for float32 values, as their little-endian bytes. */
    static String sha256(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return sha256(bytes.array(), bytes.capacity());
    }
}
