package dev.quantforge.engine.gguf;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.io.ReadOnlyFiles;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.tensor.TensorSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file (v2 or v3): its metadata and tensor table are read and validated at open, tensor
 * data is memory-mapped on demand, piece by piece, so files larger than the heap or than 2 GiB work.
 */
public final class GgufFile implements ModelSource {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";

    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_DEPTH = 8;

    private final Path path;
    private final FileChannel channel;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;
    private final long fileSize;

    private GgufFile(Path path, FileChannel channel, int version, Map<String, GgufValue> metadata,
                     List<GgufTensorInfo> tensors, int alignment, long dataOffset, long fileSize) {
        this.path = path;
        this.channel = channel;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileSize = fileSize;
    }

    /** Opens and validates {@code path}; throws {@link GgufFormatException} naming the problem. */
    public static GgufFile open(Path path) {
        return ReadOnlyFiles.open(path, GgufFormatException::new, GgufFile::read);
    }

    private static GgufFile read(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        HeaderReader in = new HeaderReader(path, channel, fileSize);
        if (fileSize < 24) {
            throw new GgufFormatException(path, "file is " + fileSize + " bytes, too short for a GGUF header");
        }
        int magic = in.i32();
        if (magic != MAGIC) {
            throw new GgufFormatException(path, String.format("not a GGUF file (magic 0x%08x, expected \"GGUF\")", magic));
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            throw new GgufFormatException(path, "unsupported GGUF version " + version + " (2 and 3 are supported)");
        }
        long tensorCount = in.i64();
        long kvCount = in.i64();
        // Every tensor info takes at least 8+1+4+8+4+8 bytes and every KV at least 8+1+4+1: a count
        // beyond what the file could hold is corrupt, and refusing it early avoids huge allocations.
        if (tensorCount < 0 || tensorCount > fileSize / 33) {
            throw new GgufFormatException(path, "tensor count " + Long.toUnsignedString(tensorCount) + " is impossible for a file of " + fileSize + " bytes");
        }
        if (kvCount < 0 || kvCount > fileSize / 13) {
            throw new GgufFormatException(path, "metadata count " + Long.toUnsignedString(kvCount) + " is impossible for a file of " + fileSize + " bytes");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string(new Subject("metadata key", null, i));
            int typeId = in.i32();
            GgufValueType type = GgufValueType.byId(typeId).orElseThrow(() ->
                    new GgufFormatException(path, "metadata key " + key + " has unknown value type " + typeId));
            GgufValue value = in.value(type, key, 0);
            if (metadata.put(key, value) != null) {
                throw new GgufFormatException(path, "duplicate metadata key " + key);
            }
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue alignmentValue = metadata.get(ALIGNMENT_KEY);
        if (alignmentValue != null) {
            long a = alignmentValue.type() == GgufValueType.UINT32 ? alignmentValue.asLong() : -1;
            if (a <= 0 || Long.bitCount(a) != 1 || a > 1 << 20) {
                throw new GgufFormatException(path, ALIGNMENT_KEY + " must be a power-of-two UINT32, got " + alignmentValue.display());
            }
            alignment = (int) a;
        }
        List<GgufTensorInfo> tensors = new ArrayList<>((int) tensorCount);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string(new Subject("tensor name", null, i));
            int nDims = in.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new GgufFormatException(path, "tensor " + name + " has " + nDims + " dimensions (1 to 4 allowed)");
            }
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                shape[d] = in.i64();
                if (shape[d] <= 0 || shape[d] > fileSize * 8 + 8) {
                    throw new GgufFormatException(path, "tensor " + name + " has an impossible dimension " + Long.toUnsignedString(shape[d]));
                }
                elements = multiplyOrFail(path, name, elements, shape[d]);
            }
            int typeId = in.i32();
            GgmlType type = GgmlType.byId(typeId).orElseThrow(() ->
                    new GgufFormatException(path, "tensor " + name + " has unknown ggml type id " + typeId));
            long offset = in.i64();
            if (shape[0] % type.blockSize() != 0) {
                throw new GgufFormatException(path, "tensor " + name + " is " + type + " but its row length " + shape[0]
                        + " is not a multiple of the block size " + type.blockSize());
            }
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufFormatException(path, "tensor " + name + " has offset " + Long.toUnsignedString(offset)
                        + ", not a multiple of the alignment " + alignment);
            }
            if (!names.add(name)) {
                throw new GgufFormatException(path, "duplicate tensor name " + name);
            }
            tensors.add(new GgufTensorInfo(name, shape, type, offset));
        }
        long dataOffset = align(in.position(), alignment);
        checkDataLayout(path, tensors, dataOffset, fileSize);
        return new GgufFile(path, channel, version, metadata, tensors, alignment, dataOffset, fileSize);
    }

    private static long multiplyOrFail(Path path, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new GgufFormatException(path, "tensor " + name + " has more elements than fit in 64 bits");
        }
    }

    private static void checkDataLayout(Path path, List<GgufTensorInfo> tensors, long dataOffset, long fileSize) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long previousEnd = 0;
        String previousName = null;
        for (GgufTensorInfo t : byOffset) {
            long size;
            try {
                size = t.byteSize();
            } catch (ArithmeticException e) {
                throw new GgufFormatException(path, "tensor " + t.name() + " is too large");
            }
            if (t.offset() < previousEnd) {
                throw new GgufFormatException(path, "tensor " + t.name() + " overlaps tensor " + previousName);
            }
            long end = t.offset() + size;
            if (end < 0 || dataOffset + end > fileSize) {
                throw new GgufFormatException(path, "tensor " + t.name() + " ends at byte " + (dataOffset + end)
                        + " but the file has only " + fileSize + " bytes (truncated?)");
            }
            previousEnd = end;
            previousName = t.name();
        }
    }

    static long align(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** Metadata in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    public Optional<String> getString(String key) {
        return get(key).filter(v -> v.type() == GgufValueType.STRING).map(GgufValue::asString);
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensorInfos() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensorInfo(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Maps {@code length} bytes of a tensor's data, starting {@code offset} bytes into the tensor. */
    public ByteBuffer map(GgufTensorInfo tensor, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > tensor.byteSize()) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of tensor " + tensor.name()
                    + " (" + tensor.byteSize() + " bytes)");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataOffset + tensor.offset() + offset, length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes of a tensor's data, starting {@code offset} bytes into the tensor,
     * into {@code dst} (a positional read: safe from several threads at once).
     */
    public void read(GgufTensorInfo tensor, long offset, ByteBuffer dst) {
        int length = dst.remaining();
        if (offset < 0 || offset + length > tensor.byteSize()) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of tensor " + tensor.name()
                    + " (" + tensor.byteSize() + " bytes)");
        }
        long position = dataOffset + tensor.offset() + offset;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw new UncheckedIOException(new java.io.EOFException(path + " ends inside tensor " + tensor.name()));
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** A view of one tensor as a {@link TensorSource}. */
    public TensorSource source(GgufTensorInfo info) {
        return new TensorSource() {
            @Override
            public String name() {
                return info.name();
            }

            @Override
            public long[] shape() {
                return info.shape();
            }

            @Override
            public GgmlType type() {
                return info.type();
            }

            @Override
            public ByteBuffer bytes(long offset, int length) {
                return map(info, offset, length);
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                GgufFile.this.read(info, offset, dst);
            }
        };
    }

    @Override
    public String description() {
        return path.toString();
    }

    /** Every tensor as a {@link TensorSource}, in file order. */
    @Override
    public List<TensorSource> tensors() {
        return tensors.stream().map(this::source).toList();
    }

    @Override
    public void close() {
        ReadOnlyFiles.closeQuietly(channel);
    }


    /**
     * What a header string is, for an error message: text only when one is thrown. A model's vocabulary is an array
     * of up to a few hundred thousand strings, and naming each one up front was a string concatenation apiece.
     */
    private record Subject(String what, String key, long index) {
        @Override
        public String toString() {
            return key == null ? what + " " + index : what + " " + key + (index < 0 ? "" : "[" + index + "]");
        }
    }

    /** Sequential, bounds-checked reads of the header through a small buffer; {@code what} names the value read. */
    private static final class HeaderReader {
        private final Path path;
        private final FileChannel channel;
        private final long fileSize;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufferStart;

        HeaderReader(Path path, FileChannel channel, long fileSize) {
            this.path = path;
            this.channel = channel;
            this.fileSize = fileSize;
            buffer.limit(0);
        }

        long position() {
            return bufferStart + buffer.position();
        }

        private void require(long n, Object what) throws IOException {
            if (position() + n > fileSize || n < 0) {
                throw new GgufFormatException(path, "truncated header: " + what + " needs " + n
                        + " bytes at offset " + position() + " but the file has " + fileSize);
            }
            if (buffer.remaining() >= n) {
                return;
            }
            long pos = position();
            buffer.clear();
            bufferStart = pos;
            if (n > buffer.capacity()) {
                return; // caller reads large items directly
            }
            while (buffer.position() < n) {
                if (channel.read(buffer, pos + buffer.position()) < 0) {
                    break;
                }
            }
            buffer.flip();
        }

        int i32() throws IOException {
            require(4, "a 32-bit value");
            return buffer.getInt();
        }

        long i64() throws IOException {
            require(8, "a 64-bit value");
            return buffer.getLong();
        }

        byte i8() throws IOException {
            require(1, "a byte");
            return buffer.get();
        }

        short i16() throws IOException {
            require(2, "a 16-bit value");
            return buffer.getShort();
        }

        String string(Object what) throws IOException {
            long length = i64();
            if (length < 0 || position() + length > fileSize) {
                throw new GgufFormatException(path, what + " claims a string of " + Long.toUnsignedString(length)
                        + " bytes at offset " + position() + ", beyond the end of the file (" + fileSize + " bytes)");
            }
            return new String(bytes((int) length, what), StandardCharsets.UTF_8);
        }

        private byte[] bytes(int length, Object what) throws IOException {
            byte[] out = new byte[length];
            if (length <= buffer.capacity()) {
                require(length, what);
                buffer.get(out);
                return out;
            }
            long pos = position();
            ByteBuffer direct = ByteBuffer.wrap(out);
            while (direct.hasRemaining()) {
                if (channel.read(direct, pos + direct.position()) < 0) {
                    throw new GgufFormatException(path, "truncated header in " + what);
                }
            }
            buffer.clear();
            buffer.limit(0);
            bufferStart = pos + length;
            return out;
        }

        GgufValue value(GgufValueType type, String key, int depth) throws IOException {
            return switch (type) {
                case UINT8, INT8 -> new GgufValue(type, i8());
                case UINT16, INT16 -> new GgufValue(type, i16());
                case UINT32, INT32 -> new GgufValue(type, i32());
                case UINT64, INT64 -> new GgufValue(type, i64());
                case FLOAT32 -> new GgufValue(type, Float.intBitsToFloat(i32()));
                case FLOAT64 -> new GgufValue(type, Double.longBitsToDouble(i64()));
                case BOOL -> {
                    byte b = i8();
                    if (b != 0 && b != 1) {
                        throw new GgufFormatException(path, "metadata key " + key + " has a BOOL of value " + b);
                    }
                    yield new GgufValue(type, b == 1);
                }
                case STRING -> new GgufValue(type, string(new Subject("metadata", key, -1)));
                case ARRAY -> new GgufValue(type, array(key, depth));
            };
        }

        private GgufArray array(String key, int depth) throws IOException {
            if (depth >= MAX_ARRAY_DEPTH) {
                throw new GgufFormatException(path, "metadata key " + key + " nests arrays more than " + MAX_ARRAY_DEPTH + " deep");
            }
            int elementTypeId = i32();
            GgufValueType elementType = GgufValueType.byId(elementTypeId).orElseThrow(() ->
                    new GgufFormatException(path, "metadata key " + key + " is an array of unknown type " + elementTypeId));
            long length = i64();
            long minWidth = elementType.width() > 0 ? elementType.width() : (elementType == GgufValueType.STRING ? 8 : 12);
            if (length < 0 || length > (fileSize - position()) / minWidth) {
                throw new GgufFormatException(path, "metadata key " + key + " claims an array of "
                        + Long.toUnsignedString(length) + " " + elementType + " values, more than the file holds");
            }
            int n = (int) length;
            Object elements = GgufArray.arrayClass(elementType).getComponentType() == null ? null
                    : java.lang.reflect.Array.newInstance(GgufArray.arrayClass(elementType).getComponentType(), n);
            for (int i = 0; i < n; i++) {
                switch (elementType) {
                    case UINT8, INT8 -> ((byte[]) elements)[i] = i8();
                    case UINT16, INT16 -> ((short[]) elements)[i] = i16();
                    case UINT32, INT32 -> ((int[]) elements)[i] = i32();
                    case UINT64, INT64 -> ((long[]) elements)[i] = i64();
                    case FLOAT32 -> ((float[]) elements)[i] = Float.intBitsToFloat(i32());
                    case FLOAT64 -> ((double[]) elements)[i] = Double.longBitsToDouble(i64());
                    case BOOL -> ((boolean[]) elements)[i] = i8() != 0;
                    case STRING -> ((String[]) elements)[i] = string(new Subject("metadata", key, i));
                    case ARRAY -> ((GgufArray[]) elements)[i] = array(key, depth + 1);
                }
            }
            return new GgufArray(elementType, elements);
        }
    }
}
