package dev.quantforge.common.jobs;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where a variant's files go, for the API that names the place and the worker that fills it:
 * {@code <results bucket>/<model>/<job>/<variant>/}, and {@code <model>/<job>/rejected/<variant>/} for a
 * variant that missed its quality gates. Every name in a key passes one rule, {@link #safeName}.
 */
public record ResultLayout(String bucket) {
    public static final String MANIFEST = "manifest.json";
    public static final String CARD = "README.md";
    public static final String BENCHMARK = "benchmark.json";
    private static final String REJECTED = "rejected/";
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]+");

    public ResultLayout {
        Objects.requireNonNull(bucket, "bucket");
    }

    /** {@code s3://<bucket>/<model>/<job>/<variant>/}. */
    public S3Uri variantPrefix(String modelName, UUID jobId, String variant) {
        return new S3Uri(bucket, safeName(modelName) + "/" + jobId + "/" + safeName(variant) + "/");
    }

    /**
     * {@code s3://<bucket>/<tenant prefix><model>/<job>/<variant>/}: a tenant's results under its own key prefix
     * ("" or ending in '/'), so that storage permissions can follow tenants.
     */
    public S3Uri variantPrefix(String tenantPrefix, String modelName, UUID jobId, String variant) {
        if (!tenantPrefix.isEmpty() && !tenantPrefix.endsWith("/")) {
            throw new IllegalArgumentException("a tenant's results prefix ends in '/': " + tenantPrefix);
        }
        return new S3Uri(bucket, tenantPrefix + variantPrefix(modelName, jobId, variant).key());
    }

    /** {@code <bucket>/<model>/<job>/<variant>/} → {@code <bucket>/<model>/<job>/rejected/<variant>/}. */
    public static S3Uri rejected(S3Uri variantPrefix) {
        String key = variantPrefix.prefix();
        String path = key.substring(0, key.length() - 1);
        int slash = path.lastIndexOf('/');
        return new S3Uri(variantPrefix.bucket(), path.substring(0, slash + 1) + REJECTED + path.substring(slash + 1) + "/");
    }

    /** {@code <model>-<variant><extension>}, the name of a variant's model file. */
    public static String modelFile(String modelName, String variant, String extension) {
        return safeName(modelName + "-" + variant) + extension;
    }

    /**
     * {@code name} as one S3 key segment and file name: every run of characters other than letters, digits,
     * dot, underscore and dash becomes one dash; a name left empty, "." or ".." becomes "model".
     */
    public static String safeName(String name) {
        String safe = UNSAFE.matcher(name).replaceAll("-");
        return safe.isEmpty() || safe.equals(".") || safe.equals("..") ? "model" : safe;
    }
}
