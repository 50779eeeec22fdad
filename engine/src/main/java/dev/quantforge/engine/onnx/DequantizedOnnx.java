package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfArchitecture;
import dev.quantforge.engine.hf.HfConfig;
import dev.quantforge.engine.hf.HfHyperparameters;
import dev.quantforge.engine.tensor.NamedTensors;
import dev.quantforge.engine.tensor.TensorSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX variant directory ({@link OnnxExporter}'s output) seen as the float checkpoint it stands for: every
 * Hugging Face weight the graph uses is one float32 tensor under its Hugging Face name and shape, with the values
 * ONNX Runtime computes with: float16 widened exactly; int8 {@code DequantizeLinear} per output channel,
 * {@code q * scale}; int4 {@code MatMulNBits}, {@code (q - zp) * scale} per block (zero point 8 when the graph
 * has none), the low nibble first. Read a chunk of rows at a time from {@code model.onnx.data}, so no tensor has
 * to fit in the heap; MatMul weights stored transposed ({@code [K, N]}) are gathered back into rows.
 */
public final class DequantizedOnnx implements NamedTensors {
    /** Dequantized values per read, at most (whole rows). */
    private static final long CHUNK_VALUES = 1 << 20;

    /** How a weight is laid out in the graph. */
    enum Layout { ROWS, TRANSPOSED, INT8, INT4 }

    /** One initializer: its type and dimensions and where its bytes are (external data, or inline raw data). */
    record Stored(String name, OnnxDataType type, long[] dims, Path file, long offset, byte[] raw) {
        long elements() {
            return Arrays.stream(dims).reduce(1, Math::multiplyExact);
        }
    }

    /**
     * A Hugging Face weight {@code [rows, columns]} (a 1-D one is one row) and the initializers holding it.
     *
     * @param blockSize int4's block size, else 0
     */
    record Weight(String name, long rows, long columns, Layout layout, Stored data, Stored scales, Stored zeroPoints,
                  int blockSize) {
        /** What the weight is stored as, for reports: {@code float16}, {@code int8 per-channel}, {@code int4 b32 asym}. */
        String storage() {
            return switch (layout) {
                case ROWS, TRANSPOSED -> data.type() == OnnxDataType.FLOAT16 ? "float16" : "float32";
                case INT8 -> "int8 per-channel";
                case INT4 -> "int4 b" + blockSize + (zeroPoints == null ? " sym" : " asym");
            };
        }
    }

    private final Path dir;
    private final Map<String, Weight> weights;
    private final Map<Path, FileChannel> files;

    private DequantizedOnnx(Path dir, Map<String, Weight> weights, Map<Path, FileChannel> files) {
        this.dir = dir;
        this.weights = weights;
        this.files = files;
    }

    /** Opens {@code dir}; a graph without an initializer for one of config.json's weights, or with a misshapen one, is refused. */
    public static DequantizedOnnx open(Path dir) {
        HfConfig config = HfConfig.read(dir);
        HfArchitecture architecture = HfArchitecture.byHfName(config.architecture()).orElseThrow(() -> new InvalidInputException(
                config.file() + ": architecture " + config.architecture() + " is not supported; supported: "
                        + HfArchitecture.supported()));
        HfHyperparameters hp = HfHyperparameters.from(config, architecture);
        Map<String, Stored> stored = initializers(dir);
        Map<String, Weight> weights = new LinkedHashMap<>();
        OnnxExporter.expectedTensors(architecture, hp).forEach((name, shape) -> weights.put(name, weight(dir, name, shape, stored)));
        Map<Path, FileChannel> files = new HashMap<>();
        try {
            for (Weight w : weights.values()) {
                for (Stored s : new Stored[]{w.data(), w.scales(), w.zeroPoints()}) {
                    if (s != null && s.file() != null && !files.containsKey(s.file())) {
                        files.put(s.file(), FileChannel.open(s.file(), StandardOpenOption.READ));
                    }
                }
            }
            for (Weight w : weights.values()) {
                for (Stored s : new Stored[]{w.data(), w.scales(), w.zeroPoints()}) {
                    if (s != null && s.file() != null && s.offset() + s.elements() * s.type().size() > files.get(s.file()).size()) {
                        throw new InvalidInputException(s.file() + ": initializer " + s.name() + " runs past the end of the file");
                    }
                }
            }
        } catch (IOException e) {
            closeAll(files);
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(files);
            throw e;
        }
        return new DequantizedOnnx(dir, weights, files);
    }

    /** What the named weight is stored as in the graph: {@code float32}, {@code float16}, {@code int8 per-channel}, {@code int4 b32 asym}. */
    public String storage(String name) {
        return require(name).storage();
    }

    @Override
    public List<String> names() {
        return weights.keySet().stream().sorted().toList();
    }

    @Override
    public long[] storedShape(String name) {
        Weight w = require(name);
        return w.layout() == Layout.ROWS && w.rows() == 1 && w.data().dims().length == 1
                ? new long[]{w.columns()} : new long[]{w.rows(), w.columns()};
    }

    @Override
    public TensorSource source(String name) {
        return new Dequantized(require(name));
    }

    @Override
    public Path fileOf(String name) {
        Stored data = require(name).data();
        return data.file() != null ? data.file() : dir.resolve(OnnxExporter.MODEL);
    }

    @Override
    public void close() {
        closeAll(files);
    }

    private Weight require(String name) {
        Weight w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException(dir + ": no weight " + name);
        }
        return w;
    }

    private static void closeAll(Map<Path, FileChannel> files) {
        for (FileChannel channel : files.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                // read-only
            }
        }
    }

    /** The initializers of the graph that stand for Hugging Face weight {@code name} of shape {@code hfShape}. */
    private static Weight weight(Path dir, String name, long[] hfShape, Map<String, Stored> stored) {
        long rows = hfShape.length == 2 ? hfShape[0] : 1;
        long columns = hfShape[hfShape.length - 1];
        String where = dir.resolve(OnnxExporter.MODEL) + ": ";
        Stored plain = stored.get(name);
        if (plain != null) {
            requireType(where, plain, OnnxDataType.FLOAT, OnnxDataType.FLOAT16);
            boolean transposed = hfShape.length == 2 && !name.equals("model.embed_tokens.weight");
            long[] expected = transposed ? new long[]{columns, rows} : hfShape;
            requireDims(where, plain, expected);
            return new Weight(name, rows, columns, transposed ? Layout.TRANSPOSED : Layout.ROWS, plain, null, null, 0);
        }
        Stored int8 = stored.get(name + "_quantized");
        if (int8 != null && hfShape.length == 2) {
            Stored scale = required(where, stored, name + "_scale");
            requireType(where, int8, OnnxDataType.INT8);
            requireType(where, scale, OnnxDataType.FLOAT);
            requireDims(where, int8, new long[]{columns, rows});
            requireDims(where, scale, new long[]{rows});
            return new Weight(name, rows, columns, Layout.INT8, int8, scale, null, 0);
        }
        Stored int4 = stored.get(name + "_Q4");
        if (int4 != null && hfShape.length == 2 && int4.dims().length == 3) {
            int blockSize = Math.toIntExact(int4.dims()[2] * 2);
            int k = Math.toIntExact(columns);
            int blocks = Int4Blocks.blocks(k, blockSize);
            Stored scales = required(where, stored, name + "_scales");
            Stored zeroPoints = stored.get(name + "_zero_points");
            requireType(where, int4, OnnxDataType.UINT8);
            // float16 with float16 activations (gpu-onnx-int4), as ORT's quantizer keeps the weight's dtype
            requireType(where, scales, OnnxDataType.FLOAT, OnnxDataType.FLOAT16);
            requireDims(where, int4, new long[]{rows, blocks, blockSize / 2});
            requireDims(where, scales, new long[]{rows * blocks});
            if (zeroPoints != null) {
                requireType(where, zeroPoints, OnnxDataType.UINT8);
                requireDims(where, zeroPoints, new long[]{rows * Int4Blocks.zeroPointBytes(k, blockSize)});
            }
            return new Weight(name, rows, columns, Layout.INT4, int4, scales, zeroPoints, blockSize);
        }
        throw new InvalidInputException(where + "no initializer holds weight " + name + " (looked for " + name + ", "
                + name + "_quantized and " + name + "_Q4)");
    }

    private static Stored required(String where, Map<String, Stored> stored, String name) {
        Stored s = stored.get(name);
        if (s == null) {
            throw new InvalidInputException(where + "initializer " + name + " is missing");
        }
        return s;
    }

    private static void requireType(String where, Stored s, OnnxDataType... types) {
        if (!Arrays.asList(types).contains(s.type())) {
            throw new InvalidInputException(where + "initializer " + s.name() + " is " + s.type().displayName()
                    + ", expected " + Arrays.toString(types));
        }
    }

    private static void requireDims(String where, Stored s, long[] dims) {
        if (!Arrays.equals(s.dims(), dims)) {
            throw new InvalidInputException(where + "initializer " + s.name() + " has shape " + Arrays.toString(s.dims())
                    + ", expected " + Arrays.toString(dims));
        }
    }

    /** The graph's initializers by name, with where their bytes are; the data itself is not read. */
    private static Map<String, Stored> initializers(Path dir) {
        Path model = dir.resolve(OnnxExporter.MODEL);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model + ": " + e.getMessage(), e);
        }
        Map<String, Stored> out = new HashMap<>();
        try {
            ProtoReader reader = new ProtoReader(bytes);
            while (reader.next()) {
                if (reader.field() != 7) {
                    reader.skip();
                    continue;
                }
                ProtoReader graph = reader.message();
                while (graph.next()) {
                    if (graph.field() == 5) {
                        Stored s = tensor(dir, graph.message());
                        if (s != null) {
                            out.put(s.name(), s);
                        }
                    } else {
                        graph.skip();
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(model + ": not a readable ONNX model (" + e.getMessage() + ")");
        }
        return out;
    }

    /** A TensorProto of a type this reader knows, with raw or external data; null for any other. */
    private static Stored tensor(Path dir, ProtoReader t) {
        long[] dims = new long[0];
        int type = 0;
        String name = "";
        byte[] raw = null;
        String location = null;
        long offset = 0;
        while (t.next()) {
            switch (t.field()) {
                case 1 -> {
                    long[] more = t.int64s();
                    long[] joined = Arrays.copyOf(dims, dims.length + more.length);
                    System.arraycopy(more, 0, joined, dims.length, more.length);
                    dims = joined;
                }
                case 2 -> type = (int) t.int64();
                case 8 -> name = t.string();
                case 9 -> raw = t.bytes();
                case 13 -> {
                    String[] entry = t.stringEntry();
                    String key = entry[0];
                    String value = entry[1];
                    if ("location".equals(key)) {
                        location = value;
                    } else if ("offset".equals(key) && value != null) {
                        offset = Long.parseLong(value);
                    }
                }
                default -> t.skip();
            }
        }
        OnnxDataType dataType = OnnxDataType.byId(type).orElse(null);
        if (dataType == null || (raw == null && location == null)) {
            return null;
        }
        Path file = null;
        if (location != null) {
            file = dir.resolve(location).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new InvalidInputException(dir.resolve(OnnxExporter.MODEL) + ": initializer " + name
                        + "'s external data " + location + " is outside the model's directory");
            }
        }
        Stored s = new Stored(name, dataType, dims, file, offset, raw);
        if (raw != null && raw.length != s.elements() * dataType.size()) {
            throw new InvalidInputException(dir.resolve(OnnxExporter.MODEL) + ": initializer " + name + " holds "
                    + raw.length + " bytes for " + s.elements() + " " + dataType.displayName() + " values");
        }
        return s;
    }

    /** {@code length} bytes of {@code s} from byte {@code offset}, little-endian. */
    private ByteBuffer read(Stored s, long offset, int length) {
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        if (s.raw() != null) {
            out.put(s.raw(), Math.toIntExact(offset), length).flip();
            return out;
        }
        FileChannel channel = files.get(s.file());
        try {
            long position = s.offset() + offset;
            while (out.hasRemaining()) {
                int n = channel.read(out, position + out.position());
                if (n < 0) {
                    throw new InvalidInputException(s.file() + ": ends inside initializer " + s.name());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + s.file() + ": " + e.getMessage(), e);
        }
        return out.flip();
    }

    /** Rows {@code [first, first + n)} of {@code w} as ONNX Runtime's float values, into {@code dst[0 ..)}. */
    void rows(Weight w, long first, int n, float[] dst) {
        int k = Math.toIntExact(w.columns());
        switch (w.layout()) {
            case ROWS -> {
                int size = w.data().type().size();
                ByteBuffer in = read(w.data(), first * k * size, n * k * size);
                for (int i = 0; i < n * k; i++) {
                    dst[i] = floatAt(in, i, w.data().type());
                }
            }
            case TRANSPOSED -> {
                // B [K, N]: element (row r, column c) of the Hugging Face weight is B[c][r]
                int size = w.data().type().size();
                for (int c = 0; c < k; c++) {
                    ByteBuffer in = read(w.data(), (c * w.rows() + first) * size, n * size);
                    for (int i = 0; i < n; i++) {
                        dst[i * k + c] = floatAt(in, i, w.data().type());
                    }
                }
            }
            case INT8 -> {
                ByteBuffer scales = read(w.scales(), first * 4, n * 4);
                for (int c = 0; c < k; c++) {
                    ByteBuffer in = read(w.data(), c * w.rows() + first, n);
                    for (int i = 0; i < n; i++) {
                        // DequantizeLinear without a zero point: (q - 0) * scale
                        dst[i * k + c] = in.get(i) * scales.getFloat(i * 4);
                    }
                }
            }
            case INT4 -> {
                int blockSize = w.blockSize();
                int blocks = Int4Blocks.blocks(k, blockSize);
                int columnBytes = Int4Blocks.columnBytes(k, blockSize);
                int zpBytes = Int4Blocks.zeroPointBytes(k, blockSize);
                byte[] packed = read(w.data(), first * columnBytes, n * columnBytes).array();
                OnnxDataType scaleType = w.scales().type();
                int scaleBytes = scaleType == OnnxDataType.FLOAT16 ? 2 : 4;
                ByteBuffer scaleData = read(w.scales(), first * blocks * scaleBytes, n * blocks * scaleBytes);
                float[] scales = new float[n * blocks];
                for (int j = 0; j < scales.length; j++) {
                    scales[j] = floatAt(scaleData, j, scaleType);
                }
                byte[] zeroPoints = w.zeroPoints() == null ? null : read(w.zeroPoints(), first * zpBytes, n * zpBytes).array();
                for (int i = 0; i < n; i++) {
                    for (int b = 0; b < blocks; b++) {
                        int zp = zeroPoints == null ? 8 : nibble(zeroPoints[i * zpBytes + b / 2], b);
                        float scale = scales[i * blocks + b];
                        int end = Math.min(k, (b + 1) * blockSize);
                        for (int c = b * blockSize; c < end; c++) {
                            dst[i * k + c] = Int4Blocks.dequantize(nibble(packed[i * columnBytes + c / 2], c), zp, scale);
                        }
                    }
                }
            }
            default -> throw new IllegalStateException(w.layout().name());
        }
    }

    /** Element {@code index} (even: low nibble) of a byte holding two 4-bit values. */
    private static int nibble(byte packed, int index) {
        return index % 2 == 0 ? packed & 0x0F : (packed >> 4) & 0x0F;
    }

    private static float floatAt(ByteBuffer in, int index, OnnxDataType type) {
        return type == OnnxDataType.FLOAT16 ? Fp16.toFloat(in.getShort(index * 2)) : in.getFloat(index * 4);
    }

    /** A weight as F32 values in GGUF dimension order (row length first), dequantized a chunk of rows at a time. */
    private final class Dequantized implements TensorSource {
        private final Weight w;

        Dequantized(Weight w) {
            this.w = w;
        }

        @Override
        public String name() {
            return w.name();
        }

        @Override
        public long[] shape() {
            return w.rows() == 1 && w.layout() == Layout.ROWS && w.data().dims().length == 1
                    ? new long[]{w.columns()} : new long[]{w.columns(), w.rows()};
        }

        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public ByteBuffer bytes(long offset, int length) {
            if (offset < 0 || length < 0 || offset + length > byteSize() || offset % 4 != 0 || length % 4 != 0) {
                throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of F32 tensor " + w.name()
                        + " (" + byteSize() + " bytes, whole elements only)");
            }
            ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            long cols = w.columns();
            long first = offset / 4;
            long end = first + length / 4;
            long chunkRows = Math.max(1, CHUNK_VALUES / cols);
            float[] values = new float[Math.toIntExact(Math.min(chunkRows, w.rows()) * cols)];
            FloatBuffer floats = out.asFloatBuffer();
            for (long row = first / cols; row * cols < end; row += chunkRows) {
                int n = (int) Math.min(chunkRows, w.rows() - row);
                rows(w, row, n, values);
                long from = Math.max(first, row * cols);
                long to = Math.min(end, (row + n) * cols);
                floats.put((int) (from - first), values, (int) (from - row * cols), (int) (to - from));
            }
            return out;
        }
    }
}
