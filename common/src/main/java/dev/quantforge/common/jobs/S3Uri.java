package dev.quantforge.common.jobs;

import dev.quantforge.common.InvalidInputException;

import java.util.Objects;

/** {@code s3://bucket/key-or-prefix}, validated. */
public record S3Uri(String bucket, String key) {
    private static final String SCHEME = "s3://";
    /** S3's own limit on a key, in UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 1024;

    public S3Uri {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new InvalidInputException("'" + bucket + "' is not a valid S3 bucket name");
        }
    }

    /**
     * {@code s3://bucket/prefix} and nothing else: no other scheme, and a key that names one place, so a
     * prefix check on it (a tenant's allowed prefix, say) means what it says: no {@code .} or {@code ..}
     * segments, no empty segment ({@code a//b}), no backslash or control character, at most 1024 bytes.
     */
    public static S3Uri parse(String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new InvalidInputException("'" + abbreviate(uri) + "' is not an s3:// URI");
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidInputException("'" + abbreviate(uri) + "' has a key longer than " + MAX_KEY_BYTES + " bytes");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' || Character.isISOControl(c)) {
                throw new InvalidInputException("'" + abbreviate(uri) + "' holds a backslash or a control character");
            }
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            boolean last = i == segments.length - 1;
            if (segments[i].equals(".") || segments[i].equals("..") || (segments[i].isEmpty() && !last)) {
                throw new InvalidInputException("'" + abbreviate(uri) + "' has an empty, '.' or '..' path segment;"
                        + " name the prefix itself, s3://bucket/prefix");
            }
        }
        return new S3Uri(bucket, key);
    }

    private static String abbreviate(String uri) {
        return uri == null || uri.length() <= 200 ? uri : uri.substring(0, 200) + "…";
    }

    /** The key with a trailing slash, for listing what lies below it. */
    public String prefix() {
        return key.isEmpty() || key.endsWith("/") ? key : key + "/";
    }

    /** The last path element: the model's name for a prefix such as models/stories260K/. */
    public String lastName() {
        String k = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
        String name = k.substring(k.lastIndexOf('/') + 1);
        return name.isEmpty() ? bucket : name;
    }

    public S3Uri resolve(String child) {
        return new S3Uri(bucket, prefix() + child);
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + key;
    }
}
