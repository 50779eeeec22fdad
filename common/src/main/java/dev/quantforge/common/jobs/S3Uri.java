package dev.quantforge.common.jobs;

import dev.quantforge.common.InvalidInputException;

import java.util.Objects;

/** {@code s3://bucket/key-or-prefix}, validated. */
public record S3Uri(String bucket, String key) {
    private static final String SCHEME = "s3://";

    public S3Uri {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new InvalidInputException("'" + bucket + "' is not a valid S3 bucket name");
        }
    }

    public static S3Uri parse(String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new InvalidInputException("'" + uri + "' is not an s3:// URI");
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        return new S3Uri(bucket, key);
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
