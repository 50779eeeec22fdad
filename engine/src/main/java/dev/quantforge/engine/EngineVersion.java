package dev.quantforge.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The engine's version and the git commit it was built from, recorded in every output it writes. Both
 * come from {@code build.properties}, which the build fills in, so a worker's manifest names the same
 * build as {@code quantforge --version}.
 */
public final class EngineVersion {
    private static final String UNKNOWN = "unknown";
    private static final Properties BUILD = load();

    private EngineVersion() {
    }

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return value("version");
    }

    /**
     * The full git commit id, with {@code -dirty} when the working tree had changes that were not committed;
     * {@code unknown} when the engine was built outside a git checkout.
     */
    public static String commit() {
        String commit = value("commit");
        return !commit.equals(UNKNOWN) && Boolean.parseBoolean(BUILD.getProperty("dirty")) ? commit + "-dirty" : commit;
    }

    /** One line for people: {@code 0.1.0-SNAPSHOT (commit 1a2b3c4d5e6f)}. */
    public static String describe() {
        String commit = commit();
        return get() + " (commit " + (commit.length() > 12 && !commit.equals(UNKNOWN) ? commit.substring(0, 12)
                + (commit.endsWith("-dirty") ? "-dirty" : "") : commit) + ")";
    }

    private static String value(String key) {
        String v = BUILD.getProperty(key, "");
        // an unfilled placeholder means the build did not know it
        return v.isBlank() || v.startsWith("${") ? UNKNOWN : v;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = EngineVersion.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine's build.properties", e);
        }
        return properties;
    }
}
