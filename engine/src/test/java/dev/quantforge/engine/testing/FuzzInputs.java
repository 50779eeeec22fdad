package dev.quantforge.engine.testing;

import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every fuzz test of a parser of untrusted bytes holds it to, and how it hands the bytes over: as files,
 * since the parsers read files (docs/fuzzing.md).
 */
public final class FuzzInputs {

    /** One scratch directory per JVM, files overwritten input after input: a fuzz run makes millions. */
    private static final Path SCRATCH = scratch();

    private FuzzInputs() {
    }

    /** A parse that may throw anything; what it may throw is decided by {@link #typedErrorOnly}. */
    @FunctionalInterface
    public interface Parse {
        void run() throws IOException;
    }

    /**
     * Runs {@code parse} on bytes that may be anything: it may succeed or refuse them with the project's own
     * {@link InvalidInputException} in one line. Anything else (NullPointerException, IndexOutOfBounds,
     * ArithmeticException, OutOfMemoryError, a wrapped IOException) escapes, and Jazzer reports it as a finding.
     */
    public static void typedErrorOnly(Parse parse) throws IOException {
        try {
            parse.run();
        } catch (InvalidInputException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank() || message.lines().count() != 1) {
                throw new AssertionError("an input error must be one line, got: " + message, e);
            }
        }
    }

    /** A directory that holds only what the caller writes into it next. */
    public static Path directory(String name) {
        Path dir = SCRATCH.resolve(name);
        try {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code bytes} as the file {@code name} in a fresh {@link #directory} named after the file. */
    public static Path file(String name, byte[] bytes) throws IOException {
        return Files.write(directory(name + ".d").resolve(name), bytes);
    }

    /**
     * Two files from one input: a 2-byte little-endian length, the first file, the second. Short inputs give
     * what they have (an empty second file or both empty), so every input is usable.
     */
    public static byte[][] split(byte[] input) {
        if (input.length < 2) {
            return new byte[][] {new byte[0], input};
        }
        int length = Math.min(ByteBuffer.wrap(input, 0, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF,
                input.length - 2);
        return new byte[][] {Arrays.copyOfRange(input, 2, 2 + length), Arrays.copyOfRange(input, 2 + length, input.length)};
    }

    /**
     * The seeds of a fuzz test method's committed corpus ({@code <Test>Inputs/<method>/} next to its class): valid
     * inputs, not the findings kept there as regression cases (Jazzer's {@code crash-}, {@code timeout-} and
     * {@code oom-} files), which must fail, in one line.
     */
    public static List<Path> seeds(Class<?> test, String method) {
        URL dir = test.getResource(test.getSimpleName() + "Inputs/" + method);
        if (dir == null) {
            throw new IllegalStateException("no seed corpus for " + test.getName() + "." + method);
        }
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().matches("(crash|timeout|oom|slow-unit)-.*"))
                    .sorted()
                    .toList();
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the seed corpus " + dir, e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory: the system cleans up what is left
        }
    }

    private static Path scratch() {
        try {
            Path dir = Files.createTempDirectory("quantforge-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
