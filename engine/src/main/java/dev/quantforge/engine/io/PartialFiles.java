package dev.quantforge.engine.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hidden file a result (a model, an Ollama blob or manifest, a deployment bundle's file, the extracted llama.cpp
 * library) is written to before it is moved over its target. {@link Files#createTempFile} names its files from a
 * {@link java.security.SecureRandom}, whose first use loads the security providers (10-15 ms of a quantize's
 * start-up), and makes them private (0600); these are named from the process and a counter, created exclusively,
 * and get the permissions of any new file. Being new and empty, they are opened for writing without truncation: on
 * ext4 (auto_da_alloc) a file truncated on open is written back when it is closed, and the close of a 171 MB GGUF file
 * waited 66 ms for that.
 */
public final class PartialFiles {
    private static final AtomicLong NEXT = new AtomicLong();
    private static final int ATTEMPTS = 1000;

    private PartialFiles() {
    }

    /** What a partial file receives before it is moved over its target. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code bytes} to a partial file beside {@code target} (directories made), then moves it over it. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Writes {@code content} to a partial file beside {@code target} (directories made), then moves it over it. If
     * the content throws, the target stays as it was and the partial file is removed.
     */
    public static void write(Path target, Content content) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path partial = createBeside(target);
        try {
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** A new, empty {@code .NAME.PID-N.partial} beside {@code target}. */
    public static Path createBeside(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        String prefix = "." + absolute.getFileName() + "." + ProcessHandle.current().pid() + "-";
        for (int attempt = 1; ; attempt++) {
            Path candidate = absolute.resolveSibling(prefix + NEXT.getAndIncrement() + ".partial");
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                // left by an earlier process with the same id, or being written by one now
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
