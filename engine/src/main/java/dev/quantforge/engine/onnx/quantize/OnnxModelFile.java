package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.onnx.ProtoReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any ONNX model, read for rewriting: the ModelProto's fields as spans of the file (passed through verbatim), the
 * graph's nodes and initializers parsed, and every other graph field (inputs, outputs, value_info, …) as spans.
 * Weights in external data files are not read until {@link #floats} asks for one tensor.
 */
public final class OnnxModelFile {
    /** A field of a message as a span of the file, key included. */
    public record Span(int field, int offset, int length) {
    }

    static final int MODEL_GRAPH = 7;
    static final int MODEL_OPSET_IMPORT = 8;
    static final int GRAPH_NODE = 1;
    static final int GRAPH_INITIALIZER = 5;
    static final int GRAPH_INPUT = 11;
    static final int GRAPH_OUTPUT = 12;

    private final Path path;
    private final byte[] bytes;
    private final List<Span> modelFields = new ArrayList<>();
    private final List<Span> graphFields = new ArrayList<>();
    private final List<GraphNode> nodes = new ArrayList<>();
    private final Map<String, StoredTensor> initializers = new LinkedHashMap<>();
    private final Map<Integer, String> graphInputNames = new LinkedHashMap<>();
    private final List<String> graphOutputs = new ArrayList<>();
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    private long irVersion;

    private OnnxModelFile(Path path, byte[] bytes) {
        this.path = path;
        this.bytes = bytes;
    }

    /** Reads and parses {@code path}; a file that is not an ONNX model is one clear {@link InvalidInputException}. */
    public static OnnxModelFile read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(path + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        OnnxModelFile model = new OnnxModelFile(path, bytes);
        try {
            model.parse();
        } catch (IllegalArgumentException | IndexOutOfBoundsException | ArithmeticException e) {
            throw new InvalidInputException(path + ": not a readable ONNX model (" + e.getMessage() + ")");
        }
        if (model.graphFields.isEmpty() && model.nodes.isEmpty()) {
            throw new InvalidInputException(path + ": not an ONNX model (no graph)");
        }
        model.checkExternalData();
        return model;
    }

    private void parse() {
        ProtoReader model = new ProtoReader(bytes);
        int start = model.position();
        boolean graphSeen = false;
        while (model.next()) {
            switch (model.field()) {
                case 1 -> irVersion = model.int64();
                case MODEL_GRAPH -> {
                    graphSeen = true;
                    parseGraph(model.message());
                }
                case MODEL_OPSET_IMPORT -> {
                    ProtoReader.OpsetImport opset = model.opsetImport();
                    String domain = opset.domain();
                    opsets.put(domain.isEmpty() || domain.equals("ai.onnx") ? "" : domain, opset.version());
                }
                default -> model.skip();
            }
            modelFields.add(new Span(model.field(), start, model.position() - start));
            start = model.position();
        }
        if (!graphSeen) {
            throw new IllegalArgumentException("no graph");
        }
    }

    private void parseGraph(ProtoReader graph) {
        int start = graph.position();
        while (graph.next()) {
            int field = graph.field();
            switch (field) {
                case GRAPH_NODE -> nodes.add(node(graph.message()));
                case GRAPH_INITIALIZER -> {
                    ProtoReader message = graph.message();
                    StoredTensor t = tensor(message, start, graph.position() - start);
                    if (initializers.putIfAbsent(t.name(), t) != null) {
                        throw new IllegalArgumentException("initializer " + t.name() + " twice");
                    }
                }
                case GRAPH_INPUT, GRAPH_OUTPUT -> {
                    String name = valueName(graph.message());
                    if (field == GRAPH_INPUT) {
                        graphInputNames.put(graphFields.size(), name);
                    } else {
                        graphOutputs.add(name);
                    }
                }
                default -> graph.skip();
            }
            if (field != GRAPH_NODE && field != GRAPH_INITIALIZER) {
                graphFields.add(new Span(field, start, graph.position() - start));
            }
            start = graph.position();
        }
    }

    private GraphNode node(ProtoReader node) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        boolean subgraph = false;
        java.io.ByteArrayOutputStream other = new java.io.ByteArrayOutputStream();
        int start = node.position();
        while (node.next()) {
            switch (node.field()) {
                case 1 -> inputs.add(node.string());
                case 2 -> outputs.add(node.string());
                case 3 -> name = node.string();
                case 4 -> op = node.string();
                case 7 -> domain = node.string();
                case 5 -> {
                    ProtoReader attribute = node.message();
                    while (attribute.next()) {
                        // AttributeProto.g (6) and graphs (11): a subgraph, whose nodes may use the outer initializers
                        if (attribute.field() == 6 || attribute.field() == 11) {
                            subgraph = true;
                        }
                        attribute.skip();
                    }
                    other.write(bytes, start, node.position() - start);
                }
                default -> {
                    node.skip();
                    other.write(bytes, start, node.position() - start);
                }
            }
            start = node.position();
        }
        return new GraphNode(name, op, domain, inputs, outputs, other.toByteArray(), subgraph);
    }

    private StoredTensor tensor(ProtoReader t, int protoOffset, int protoLength) {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        StoredTensor.Data data = new StoredTensor.Typed();
        String location = null;
        long offset = 0;
        long length = -1;
        boolean external = false;
        while (t.next()) {
            switch (t.field()) {
                case 1 -> {
                    for (long d : t.int64s()) {
                        dims.add(d);
                    }
                }
                case 2 -> type = (int) t.int64();
                case 8 -> name = t.string();
                case 9 -> {
                    int[] payload = t.payload();
                    data = new StoredTensor.Raw(payload[0], payload[1]);
                }
                case 13 -> {
                    String[] entry = t.stringEntry();
                    switch (entry[0] == null ? "" : entry[0]) {
                        case "location" -> location = entry[1];
                        case "offset" -> offset = Long.parseLong(entry[1]);
                        case "length" -> length = Long.parseLong(entry[1]);
                        default -> {
                        }
                    }
                }
                case 14 -> external = t.int64() == 1;
                default -> t.skip();
            }
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        if (external) {
            if (location == null) {
                throw new IllegalArgumentException("external tensor " + name + " has no location");
            }
            long elements = java.util.Arrays.stream(d).reduce(1, Math::multiplyExact);
            data = new StoredTensor.External(location, offset, length >= 0 ? length : elements * elementSize(type));
        }
        return new StoredTensor(name, type, d, protoOffset, protoLength, data);
    }

    private static int elementSize(int type) {
        return switch (type) {
            case 2, 3, 9 -> 1;
            case 4, 5, 10, 16 -> 2;
            case 1, 6, 12 -> 4;
            case 7, 11, 13 -> 8;
            default -> throw new IllegalArgumentException("external tensor of type " + type + " without a length");
        };
    }

    private static String valueName(ProtoReader value) {
        String name = "";
        while (value.next()) {
            if (value.field() == 1) {
                name = value.string();
            } else {
                value.skip();
            }
        }
        return name;
    }

    /** Every external data file must exist and be long enough: checked before anything is written. */
    private void checkExternalData() {
        for (StoredTensor t : initializers.values()) {
            if (t.data() instanceof StoredTensor.External e) {
                Path file = externalFile(e);
                try {
                    if (!Files.isRegularFile(file)) {
                        throw new InvalidInputException(path + ": external data file " + e.location() + " (of tensor "
                                + t.name() + ") is missing");
                    }
                    if (Files.size(file) < e.offset() + e.length()) {
                        throw new InvalidInputException(path + ": external data file " + e.location() + " is "
                                + Files.size(file) + " bytes, too short for tensor " + t.name());
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
    }

    Path externalFile(StoredTensor.External e) {
        Path dir = path.toAbsolutePath().getParent();
        Path file = dir.resolve(e.location()).normalize();
        if (!file.startsWith(dir)) {
            throw new InvalidInputException(path + ": external data location " + e.location() + " leaves the model's directory");
        }
        return file;
    }

    /** A FLOAT tensor's elements (one tensor in memory at a time). */
    public float[] floats(StoredTensor t) {
        if (t.dataType() != StoredTensor.FLOAT) {
            throw new IllegalArgumentException(t.name() + " is not a float32 tensor");
        }
        int n = Math.toIntExact(t.elements());
        float[] values = new float[n];
        if (t.data() instanceof StoredTensor.Raw raw) {
            if (raw.length() != 4L * n) {
                throw new InvalidInputException(path + ": tensor " + t.name() + " has " + raw.length()
                        + " bytes of raw data for " + n + " floats");
            }
            ByteBuffer.wrap(bytes, raw.offset(), raw.length()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else if (t.data() instanceof StoredTensor.External e) {
            if (e.length() != 4L * n) {
                throw new InvalidInputException(path + ": tensor " + t.name() + " has " + e.length()
                        + " bytes of external data for " + n + " floats");
            }
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(e.length())).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel channel = FileChannel.open(externalFile(e), StandardOpenOption.READ)) {
                long at = e.offset();
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, at);
                    if (read < 0) {
                        throw new InvalidInputException(path + ": external data of " + t.name() + " is truncated");
                    }
                    at += read;
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot read external data of " + t.name() + ": " + ex.getMessage(), ex);
            }
            buffer.flip();
            buffer.asFloatBuffer().get(values);
        } else {
            typedFloats(t, values);
        }
        return values;
    }

    /** A tensor's stored bytes (raw_data or external data), e.g. an int8 weight's; typed fields are not read here. */
    public byte[] rawBytes(StoredTensor t) {
        if (t.data() instanceof StoredTensor.Raw raw) {
            return java.util.Arrays.copyOfRange(bytes, raw.offset(), raw.offset() + raw.length());
        }
        if (t.data() instanceof StoredTensor.External e) {
            try (FileChannel channel = FileChannel.open(externalFile(e), StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(e.length()));
                long at = e.offset();
                while (buffer.hasRemaining() && channel.read(buffer, at + buffer.position()) > 0) {
                    // keep reading until the range is complete
                }
                return buffer.array();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        if (t.dataType() == QuantType.UINT8.onnxId() || t.dataType() == QuantType.INT8.onnxId()) {
            return typedBytes(t);
        }
        throw new IllegalArgumentException(t.name() + " keeps its data in typed fields of type " + t.dataType());
    }

    /** An 8-bit tensor written with int32_data (field 5, what onnx.helper.make_tensor does), one byte per value. */
    private byte[] typedBytes(StoredTensor t) {
        byte[] field = java.util.Arrays.copyOfRange(bytes, t.protoOffset(), t.protoOffset() + t.protoLength());
        ProtoReader graphField = new ProtoReader(field);
        graphField.next();
        ProtoReader tensor = graphField.message();
        byte[] values = new byte[Math.toIntExact(t.elements())];
        int i = 0;
        while (tensor.next()) {
            if (tensor.field() == 5 && tensor.wireType() == 2) {
                ProtoReader packed = tensor.message();
                while (packed.hasRemaining() && i < values.length) {
                    values[i++] = (byte) packed.packedVarint();
                }
            } else if (tensor.field() == 5 && i < values.length) {
                values[i++] = (byte) tensor.int64();
            } else {
                tensor.skip();
            }
        }
        if (i != values.length) {
            throw new InvalidInputException(path + ": tensor " + t.name() + " has " + i + " of its " + values.length + " values");
        }
        return values;
    }

    /** float_data (field 4), packed or not, read from the tensor's own encoded bytes. */
    private void typedFloats(StoredTensor t, float[] values) {
        byte[] field = java.util.Arrays.copyOfRange(bytes, t.protoOffset(), t.protoOffset() + t.protoLength());
        ProtoReader graphField = new ProtoReader(field);
        graphField.next();
        ProtoReader tensor = graphField.message();
        int i = 0;
        while (tensor.next()) {
            if (tensor.field() == 4 && tensor.wireType() == 2) {
                int[] payload = tensor.payload();
                ByteBuffer b = ByteBuffer.wrap(field, payload[0], payload[1]).order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 4 && i < values.length) {
                    values[i++] = b.getFloat();
                }
            } else if (tensor.field() == 4 && i < values.length) {
                values[i++] = tensor.float32();
            } else {
                tensor.skip();
            }
        }
        if (i != values.length) {
            throw new InvalidInputException(path + ": tensor " + t.name() + " has " + i + " of its " + values.length + " floats");
        }
    }

    public Path path() {
        return path;
    }

    byte[] bytes() {
        return bytes;
    }

    public List<GraphNode> nodes() {
        return nodes;
    }

    public Map<String, StoredTensor> initializers() {
        return initializers;
    }

    public List<Span> modelFields() {
        return modelFields;
    }

    public List<Span> graphFields() {
        return graphFields;
    }

    /** Graph input names by their index in {@link #graphFields}. */
    Map<Integer, String> graphInputNames() {
        return graphInputNames;
    }

    public List<String> graphOutputs() {
        return graphOutputs;
    }

    /** ai.onnx's opset version ("" key), and the other domains'. */
    public Map<String, Long> opsets() {
        return opsets;
    }

    public long irVersion() {
        return irVersion;
    }

    public boolean hasExternalData() {
        return initializers.values().stream().anyMatch(StoredTensor::external);
    }
}
