package dev.quantforge.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiFunction;

/** Opening a model file: the channel stays open with the result, and is closed if reading its header fails. */
public final class ReadOnlyFiles {
    private ReadOnlyFiles() {
    }

    /** Reads what a file holds from its open channel; the channel belongs to the result afterwards. */
    @FunctionalInterface
    public interface HeaderReader<T> {
        T read(Path path, FileChannel channel) throws IOException;
    }

    /**
     * @param problem builds the format's exception for {@code (path, problem)}, used when the file is missing
     */
    public static <T> T open(Path path, BiFunction<Path, String, RuntimeException> problem, HeaderReader<T> reader) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw problem.apply(path, "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
        }
        try {
            return reader.read(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // opened read-only: nothing can be lost
        }
    }
}
