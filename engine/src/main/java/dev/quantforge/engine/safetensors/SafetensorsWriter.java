package dev.quantforge.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a safetensors file tensor by tensor: the header (every tensor's dtype, shape and byte range,
 * in the order given) is written first, then each tensor's bytes are appended in that order, in as many
 * pieces as the caller likes. Nothing but the current piece is held in memory. The header is padded with
 * spaces to a multiple of 8 bytes, as the reference implementation does.
 */
public final class SafetensorsWriter implements AutoCloseable {

    /** One tensor of the file; {@code shape} in safetensors order (outermost first). */
    public record Entry(String name, SafetensorsDtype dtype, long[] shape) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor " + name + " has a negative dimension");
                }
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            long n = dtype.byteWidth();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape));
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final List<Entry> entries;
    private int current;
    private long remaining;
    private long written;

    private SafetensorsWriter(Path path, FileChannel channel, List<Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        this.current = -1;
        advance();
    }

    /** Creates {@code file} (it must not exist) and writes its header. */
    public static SafetensorsWriter create(Path file, List<Entry> entries, Map<String, String> metadata) {
        List<Entry> copy = List.copyOf(entries);
        if (copy.stream().map(Entry::name).distinct().count() != copy.size()) {
            throw new IllegalArgumentException("tensor names must be unique");
        }
        byte[] header = header(copy, metadata);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(channel, length);
            writeFully(channel, ByteBuffer.wrap(header));
            return new SafetensorsWriter(file, channel, copy);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            root.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Entry e : entries) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().name());
            info.put("shape", e.shape);
            long end = offset + e.byteSize();
            info.put("data_offsets", new long[] {offset, end});
            root.put(e.name(), info);
            offset = end;
        }
        try {
            String json = new ObjectMapper().writeValueAsString(root);
            int padded = (json.getBytes(StandardCharsets.UTF_8).length + 7) / 8 * 8;
            byte[] bytes = new byte[padded];
            Arrays.fill(bytes, (byte) ' ');
            byte[] raw = json.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(raw, 0, bytes, 0, raw.length);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tensor the next bytes belong to, or null when every tensor is complete. */
    public Entry currentTensor() {
        return current < entries.size() ? entries.get(current) : null;
    }

    /** Appends {@code data} to the current tensor; a piece may not run past the tensor's end. */
    public void write(ByteBuffer data) {
        Entry entry = currentTensor();
        if (entry == null) {
            throw new IllegalStateException(path + ": every tensor is already written");
        }
        if (data.remaining() > remaining) {
            throw new IllegalStateException(path + ": " + data.remaining() + " bytes for tensor " + entry.name()
                    + ", which has only " + remaining + " left");
        }
        remaining -= data.remaining();
        written += data.remaining();
        try {
            writeFully(channel, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        if (remaining == 0) {
            advance();
        }
    }

    private void advance() {
        current++;
        while (current < entries.size() && entries.get(current).byteSize() == 0) {
            current++;
        }
        remaining = current < entries.size() ? entries.get(current).byteSize() : 0;
    }

    /** Data bytes written so far. */
    public long dataBytes() {
        return written;
    }

    /** Closes the file; fails when a tensor is incomplete (the file is then not valid). */
    @Override
    public void close() {
        Entry open = currentTensor();
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        if (open != null) {
            throw new IllegalStateException(path + ": closed before tensor " + open.name() + " was complete");
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }
}
