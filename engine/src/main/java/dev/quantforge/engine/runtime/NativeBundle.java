package dev.quantforge.engine.runtime;

import dev.quantforge.engine.io.PartialFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * The llama.cpp shared library that de.kherud:llama ships inside its jar (llama.cpp and ggml are
 * linked statically into {@code libjllama}, which exports their C API next to the JNI entry points).
 * It is copied once into a cache directory keyed by the artifact version and the library's hash, so
 * later runs load it straight from disk and concurrent JVMs never see a half-written file.
 */
final class NativeBundle {
    /** Overrides the cache root (default {@code $XDG_CACHE_HOME/quantforge} or {@code ~/.cache/quantforge}). */
    static final String CACHE_PROPERTY = "quantforge.cache.dir";
    private static final String RESOURCE_ROOT = "de/kherud/llama/";
    private static final String POM_PROPERTIES = "META-INF/maven/de.kherud/llama/pom.properties";

    record Extracted(Path library, String artifactVersion, String platform) {
    }

    private NativeBundle() {
    }

    static Extracted extract() {
        String platform = platformFolder();
        String resource = RESOURCE_ROOT + platform + "/" + System.mapLibraryName("jllama");
        ClassLoader loader = NativeBundle.class.getClassLoader();
        byte[] library;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("de.kherud:llama has no llama.cpp library for this platform ("
                        + resource + " is not on the class path)");
            }
            library = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the class path", e);
        }
        String version = artifactVersion(loader);
        String key = version + "-" + sha256(library).substring(0, 12);
        Path directory = cacheRoot().resolve("llama-natives").resolve(key).resolve(platform.replace('/', '-'));
        Path target = directory.resolve(System.mapLibraryName("jllama"));
        try {
            if (!Files.isRegularFile(target) || Files.size(target) != library.length) {
                PartialFiles.write(target, library);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the llama.cpp library to " + directory
                    + " (set -D" + CACHE_PROPERTY + " to a writable directory)", e);
        }
        return new Extracted(target, version, platform);
    }

    /** The folder names de.kherud:llama uses inside its jar. */
    private static String platformFolder() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osFolder = os.startsWith("linux") ? "Linux"
                : os.startsWith("mac") || os.startsWith("darwin") ? "Mac"
                : os.startsWith("windows") ? "Windows"
                : os;
        String archFolder = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "x86", "i386", "i686" -> "x86";
            default -> arch;
        };
        return osFolder + "/" + archFolder;
    }

    private static String artifactVersion(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + POM_PROPERTIES, e);
        }
    }

    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "quantforge");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "quantforge");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
