package dev.quantforge.engine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being built: nodes in topological order, initializers (small ones inline, weights as
 * references into the external data file) and the graph's inputs and outputs. {@link #toModel}
 * serializes it as a {@code ModelProto} (onnx/onnx.proto, proto2: repeated scalars unpacked).
 */
final class OnnxGraph {
    /** IR version 8 (ONNX 1.10+) is enough for opset 17 and is read by every ONNX Runtime since 1.10. */
    static final long IR_VERSION = 8;
    static final long OPSET = 17;
    static final String MICROSOFT = "com.microsoft";

    /** A node attribute; exactly one of the values is used, by {@code type} (AttributeProto.AttributeType). */
    record Attribute(String name, int type, long i, float f, String s, long[] ints) {
        static Attribute of(String name, long value) {
            return new Attribute(name, 2, value, 0, null, null);
        }

        static Attribute of(String name, float value) {
            return new Attribute(name, 1, 0, value, null, null);
        }

        static Attribute of(String name, String value) {
            return new Attribute(name, 3, 0, 0, value, null);
        }

        static Attribute ints(String name, long... values) {
            return new Attribute(name, 7, 0, 0, null, values);
        }

        ProtoWriter proto() {
            ProtoWriter p = new ProtoWriter().string(1, name);
            switch (type) {
                case 1 -> p.float32(2, f);
                case 2 -> p.int64(3, i);
                case 3 -> p.string(4, s);
                case 7 -> {
                    for (long v : ints) {
                        p.int64(8, v);
                    }
                }
                default -> throw new IllegalStateException("attribute type " + type);
            }
            return p.int64(20, type);
        }
    }

    record Node(String opType, String domain, String name, List<String> inputs, List<String> outputs,
                List<Attribute> attributes) {
    }

    /** A graph input or output; a dimension is a Long (fixed) or a String (symbolic). */
    record Value(String name, OnnxDataType type, List<Object> dims) {
        ProtoWriter proto() {
            ProtoWriter shape = new ProtoWriter();
            for (Object d : dims) {
                ProtoWriter dim = new ProtoWriter();
                if (d instanceof Long v) {
                    dim.int64(1, v);
                } else {
                    dim.string(2, (String) d);
                }
                shape.message(1, dim);
            }
            ProtoWriter tensor = new ProtoWriter().int64(1, type.id()).message(2, shape);
            return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
        }
    }

    /** An initializer: inline bytes, or {@code length} bytes at {@code offset} of the external data file. */
    record Initializer(String name, OnnxDataType type, long[] dims, byte[] inline, String location, long offset,
                       long length) {
        ProtoWriter proto() {
            ProtoWriter p = new ProtoWriter();
            for (long d : dims) {
                p.int64(1, d);
            }
            p.int64(2, type.id()).string(8, name);
            if (inline != null) {
                p.bytes(9, inline);
            } else {
                p.message(13, entry("location", location));
                p.message(13, entry("offset", Long.toString(offset)));
                p.message(13, entry("length", Long.toString(length)));
                p.int64(14, 1);
            }
            return p;
        }
    }

    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final List<Value> inputs = new ArrayList<>();
    private final List<Value> outputs = new ArrayList<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();

    OnnxGraph(String name) {
        this.name = name;
    }

    void input(String name, OnnxDataType type, Object... dims) {
        inputs.add(new Value(name, type, List.of(dims)));
    }

    void output(String name, OnnxDataType type, Object... dims) {
        outputs.add(new Value(name, type, List.of(dims)));
    }

    void initializer(Initializer initializer) {
        if (initializers.putIfAbsent(initializer.name(), initializer) != null) {
            throw new IllegalStateException("initializer " + initializer.name() + " twice");
        }
    }

    /** One node with one output named after the node; returns the output's name. */
    String op(String prefix, String opType, List<String> inputs, Attribute... attributes) {
        return op(prefix, opType, "", inputs, 1, attributes)[0];
    }

    /** A node of any domain with {@code outputCount} outputs, named {@code prefix/OpType[_n]/output_i}. */
    String[] op(String prefix, String opType, String domain, List<String> inputs, int outputCount,
                Attribute... attributes) {
        String base = prefix + "/" + opType;
        int n = counters.merge(base, 1, Integer::sum);
        String nodeName = n == 1 ? base : base + "_" + (n - 1);
        String[] outs = new String[outputCount];
        for (int i = 0; i < outputCount; i++) {
            outs[i] = nodeName + "/output_" + i;
        }
        nodes.add(new Node(opType, domain, nodeName, List.copyOf(inputs), List.of(outs), List.of(attributes)));
        return outs;
    }

    /** A node whose outputs are given names (the graph's outputs, e.g. {@code logits}). */
    void opNamed(String nodeName, String opType, List<String> inputs, List<String> outputs, Attribute... attributes) {
        nodes.add(new Node(opType, "", nodeName, List.copyOf(inputs), List.copyOf(outputs), List.of(attributes)));
    }

    /** A shared 1-D int64 constant, e.g. a shape or an axes list. */
    String int64s(long... values) {
        return constant("/const/int64", OnnxDataType.INT64, new long[]{values.length}, bytes(values));
    }

    /** A shared 0-D int64 constant. */
    String int64Scalar(long value) {
        return constant("/const/int64_scalar", OnnxDataType.INT64, new long[0], bytes(value));
    }

    /** A shared 0-D float constant of {@code type} (FLOAT or FLOAT16). */
    String floatScalar(float value, OnnxDataType type) {
        byte[] data = type == OnnxDataType.FLOAT16
                ? ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(dev.quantforge.engine.ggml.Fp16.fromFloat(value)).array()
                : ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
        return constant("/const/" + type.displayName() + "_scalar", type, new long[0], data);
    }

    /** An inline constant tensor; identical constants are written once. */
    String constant(String prefix, OnnxDataType type, long[] dims, byte[] data) {
        String key = type + java.util.Arrays.toString(dims) + java.util.Arrays.toString(data);
        return constants.computeIfAbsent(key, k -> {
            int n = counters.merge(prefix, 1, Integer::sum);
            String tensorName = prefix + "_" + (n - 1);
            initializer(new Initializer(tensorName, type, dims, data, null, 0, 0));
            return tensorName;
        });
    }

    List<Node> nodes() {
        return nodes;
    }

    /** The {@code ModelProto}: opset 17 and com.microsoft 1, this graph, and {@code metadata} as metadata_props. */
    byte[] toModel(String producer, String producerVersion, Map<String, String> metadata) {
        ProtoWriter graph = new ProtoWriter();
        for (Node node : nodes) {
            ProtoWriter p = new ProtoWriter();
            node.inputs().forEach(i -> p.string(1, i));
            node.outputs().forEach(o -> p.string(2, o));
            p.string(3, node.name()).string(4, node.opType());
            node.attributes().forEach(a -> p.message(5, a.proto()));
            if (!node.domain().isEmpty()) {
                p.string(7, node.domain());
            }
            graph.message(1, p);
        }
        graph.string(2, name);
        initializers.values().forEach(i -> graph.message(5, i.proto()));
        inputs.forEach(v -> graph.message(11, v.proto()));
        outputs.forEach(v -> graph.message(12, v.proto()));

        ProtoWriter model = new ProtoWriter().int64(1, IR_VERSION).string(2, producer).string(3, producerVersion);
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, OPSET));
        if (nodes.stream().anyMatch(n -> n.domain().equals(MICROSOFT))) {
            model.message(8, new ProtoWriter().string(1, MICROSOFT).int64(2, 1));
        }
        metadata.forEach((k, v) -> model.message(14, entry(k, v)));
        return model.toByteArray();
    }

    private static ProtoWriter entry(String key, String value) {
        return new ProtoWriter().string(1, key).string(2, value);
    }

    static byte[] bytes(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    static byte[] bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
