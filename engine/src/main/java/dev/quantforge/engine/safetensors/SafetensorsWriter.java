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
 * in the order given) is written first, then the tensors' bytes in pieces, each at its place. Nothing but
 * the current piece is held in memory. The header is padded with
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
    private final long dataStart;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Long> begins = new LinkedHashMap<>();
    private final Map<String, Long> written = new LinkedHashMap<>();

    private SafetensorsWriter(Path path, FileChannel channel, long dataStart, List<Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        long offset = 0;
        for (Entry e : entries) {
            this.entries.put(e.name(), e);
            begins.put(e.name(), offset);
            written.put(e.name(), 0L);
            offset += e.byteSize();
        }
    }

    /** Creates {@code file} (it must not exist) and writes its header; tensors' data follow in list order. */
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
            writeFully(channel, length, 0);
            writeFully(channel, ByteBuffer.wrap(header), 8);
            return new SafetensorsWriter(file, channel, 8 + header.length, copy);
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
            byte[] raw = new ObjectMapper().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[(raw.length + 7) / 8 * 8];
            Arrays.fill(bytes, (byte) ' ');
            System.arraycopy(raw, 0, bytes, 0, raw.length);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code data} into tensor {@code name} starting {@code offset} bytes into it. Pieces of several
     * tensors may be written in any order (a quantized weight and its scales are produced together); a piece
     * may not run past its tensor's end, and pieces must not overlap.
     */
    public void write(String name, long offset, ByteBuffer data) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException(path + ": no tensor " + name + " in this file");
        }
        if (offset < 0 || offset + data.remaining() > entry.byteSize()) {
            throw new IllegalStateException(path + ": bytes " + offset + "+" + data.remaining() + " are outside tensor "
                    + name + " (" + entry.byteSize() + " bytes)");
        }
        written.merge(name, (long) data.remaining(), Long::sum);
        try {
            writeFully(channel, data, dataStart + begins.get(name) + offset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Data bytes written so far. */
    public long dataBytes() {
        return written.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Closes the file; fails when a tensor is incomplete (the file is then not valid). */
    @Override
    public void close() {
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        for (Entry e : entries.values()) {
            if (written.get(e.name()) != e.byteSize()) {
                throw new IllegalStateException(path + ": closed with " + written.get(e.name()) + " of tensor "
                        + e.name() + "'s " + e.byteSize() + " bytes written");
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
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
