package dev.quantforge.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes small safetensors files for tests, well-formed or deliberately broken. */
public final class SafetensorsFiles {
    private SafetensorsFiles() {
    }

    /** Writes the length prefix, {@code header} as is, then {@code data}. */
    public static Path writeRaw(Path file, String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data);
        return write(file, out.array());
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    public static byte[] shorts(short... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    /** Lays tensors out contiguously in insertion order, as the reference serializer does. */
    public static final class Builder {
        private record Entry(String name, String dtype, long[] shape, byte[] data) {
        }

        private final List<Entry> entries = new ArrayList<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        public Builder add(String name, String dtype, long[] shape, byte[] data) {
            entries.add(new Entry(name, dtype, shape, data));
            return this;
        }

        public Builder f32(String name, long[] shape, float... values) {
            return add(name, "F32", shape, floats(values));
        }

        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        public String header() {
            StringBuilder json = new StringBuilder("{");
            if (!metadata.isEmpty()) {
                json.append("\"__metadata__\":{").append(metadata.entrySet().stream()
                        .map(e -> quote(e.getKey()) + ":" + quote(e.getValue())).collect(Collectors.joining(","))).append("},");
            }
            long offset = 0;
            for (Entry e : entries) {
                json.append(quote(e.name)).append(":{\"dtype\":").append(quote(e.dtype)).append(",\"shape\":[")
                        .append(Arrays.stream(e.shape).mapToObj(Long::toString).collect(Collectors.joining(",")))
                        .append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.data.length).append("]},");
                offset += e.data.length;
            }
            if (json.charAt(json.length() - 1) == ',') {
                json.setLength(json.length() - 1);
            }
            json.append('}');
            while (json.length() % 8 != 0) {
                json.append(' ');
            }
            return json.toString();
        }

        public byte[] data() {
            int size = entries.stream().mapToInt(e -> e.data.length).sum();
            ByteBuffer b = ByteBuffer.allocate(size);
            entries.forEach(e -> b.put(e.data));
            return b.array();
        }

        public Path write(Path file) {
            return writeRaw(file, header(), data());
        }

        private static String quote(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
    }
}
