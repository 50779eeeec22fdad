package dev.quantforge.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * New keys and their hashes. A key is {@code qf_} and 32 random bytes (256 bits) in base64url. It is stored as its
 * SHA-256: a key that random cannot be guessed or brute-forced from its hash, so the slow, salted hashes passwords
 * need (bcrypt, argon2) would add only latency to every request; an unsalted hash is also what lets a key be found
 * by an index lookup.
 */
public final class KeySecrets {

    static final String PREFIX = "qf_";
    /** Characters of a key shown in lists, to tell keys apart: the prefix and 6 of the random part. */
    static final int SHOWN = PREFIX.length() + 6;
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySecrets() {
    }

    public static String newKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Compares two hashes in time independent of where they differ. */
    public static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    public static String shown(String key) {
        return key.substring(0, Math.min(SHOWN, key.length()));
    }
}
