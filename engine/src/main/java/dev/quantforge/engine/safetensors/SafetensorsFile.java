package dev.quantforge.engine.safetensors;

import dev.quantforge.engine.io.ReadOnlyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.tensor.TensorSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An open safetensors file: an 8-byte little-endian header length, a JSON header naming every
 * tensor's dtype, shape and byte range, then the data. The header is read and every range checked
 * against the file size at open; tensor data is memory-mapped on demand, piece by piece.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation refuses larger headers; so does quantforge. */
    static final long MAX_HEADER_BYTES = 100_000_000;

    private static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensorInfo> tensors;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
                            Map<String, SafetensorsTensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsFormatException} naming the problem. */
    public static SafetensorsFile open(Path path) {
        return ReadOnlyFiles.open(path, SafetensorsFormatException::new, SafetensorsFile::read);
    }

    private static SafetensorsFile read(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new SafetensorsFormatException(path, "file is " + fileSize + " bytes, too short for a safetensors header");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > fileSize - 8 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(path, "header length " + Long.toUnsignedString(headerLength)
                    + " is impossible for a file of " + fileSize + " bytes (not a safetensors file, or truncated)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(channel, header, 8);
        JsonNode root = JsonFiles.parseObject(path, header.array(), "the header");
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, SafetensorsTensorInfo> tensors = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals(METADATA_KEY)) {
                readMetadata(path, entry.getValue(), metadata);
            } else {
                tensors.put(entry.getKey(), tensorInfo(path, entry.getKey(), entry.getValue(), dataSize));
            }
        }
        checkNoOverlap(path, tensors.values());
        return new SafetensorsFile(path, channel, dataStart, metadata, new LinkedHashMap<>(tensors));
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new SafetensorsFormatException(path, METADATA_KEY + " must be an object of strings");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(path, METADATA_KEY + "." + e.getKey() + " must be a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        });
    }

    private static SafetensorsTensorInfo tensorInfo(Path path, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw new SafetensorsFormatException(path, "tensor " + name + " must be described by an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(path, "tensor " + name + " has no dtype");
        }
        SafetensorsDtype dtype = SafetensorsDtype.byName(dtypeNode.textValue()).orElseThrow(() ->
                new SafetensorsFormatException(path, "tensor " + name + " has unknown dtype " + dtypeNode.textValue()
                        + "; supported: " + SafetensorsDtype.SUPPORTED));
        long[] shape = naturals(path, name, node.get("shape"), "shape", -1);
        long[] offsets = naturals(path, name, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new SafetensorsFormatException(path, "tensor " + name + " has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataSize + " bytes (truncated?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(dtype.byteWidth(), elementCount(shape));
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(path, "tensor " + name + " has more elements than fit in 64 bits");
        }
        if (end - begin != expected) {
            throw new SafetensorsFormatException(path, "tensor " + name + " holds " + (end - begin) + " bytes but "
                    + dtype + " " + Arrays.toString(shape) + " needs " + expected);
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /** Reads an array of non-negative integers; {@code length} -1 allows any length. */
    private static long[] naturals(Path path, String name, JsonNode node, String field, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new SafetensorsFormatException(path, "tensor " + name + " needs " + field + " as an array"
                    + (length >= 0 ? " of " + length + " integers" : " of integers"));
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsFormatException(path, "tensor " + name + " has " + field + " " + node
                        + "; only non-negative integers are allowed");
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void checkNoOverlap(Path path, Collection<SafetensorsTensorInfo> tensors) {
        List<SafetensorsTensorInfo> byOffset = new ArrayList<>();
        for (SafetensorsTensorInfo t : tensors) {
            if (t.byteSize() > 0) {
                byOffset.add(t);
            }
        }
        byOffset.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin));
        SafetensorsTensorInfo previous = null;
        for (SafetensorsTensorInfo t : byOffset) {
            if (previous != null && t.begin() < previous.end()) {
                throw new SafetensorsFormatException(path, "tensor " + t.name() + " overlaps tensor " + previous.name()
                        + " (bytes " + t.begin() + ".." + previous.end() + ")");
            }
            previous = t;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    /** The optional {@code __metadata__} strings. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, sorted by name (the order the reference implementation lists them in). */
    public Map<String, SafetensorsTensorInfo> tensorInfos() {
        return tensors;
    }

    public Optional<SafetensorsTensorInfo> tensorInfo(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** Maps {@code length} bytes of a tensor's data, starting {@code offset} bytes into the tensor. */
    public ByteBuffer map(SafetensorsTensorInfo tensor, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > tensor.byteSize()) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of tensor " + tensor.name()
                    + " (" + tensor.byteSize() + " bytes)");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + tensor.begin() + offset, length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * A tensor as a {@link TensorSource} with its shape in GGUF order (row length first). Only F32,
     * F16 and BF16 tensors can be read this way; others are refused by name.
     */
    public TensorSource source(String name) {
        SafetensorsTensorInfo info = tensorInfo(name).orElseThrow(() ->
                new InvalidInputException(path + ": no tensor named " + name));
        GgmlType type = info.dtype().ggmlType().orElseThrow(() -> new InvalidInputException(path + ": tensor " + name
                + " has dtype " + info.dtype() + "; supported: " + SafetensorsDtype.SUPPORTED));
        if (info.elementCount() == 0) {
            throw new InvalidInputException(path + ": tensor " + name + " is empty (shape " + info.shapeText() + ")");
        }
        long[] shape = info.ggmlShape();
        return new TensorSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long[] shape() {
                return shape.clone();
            }

            @Override
            public GgmlType type() {
                return type;
            }

            @Override
            public ByteBuffer bytes(long offset, int length) {
                return map(info, offset, length);
            }
        };
    }

    @Override
    public void close() {
        ReadOnlyFiles.closeQuietly(channel);
    }

}
