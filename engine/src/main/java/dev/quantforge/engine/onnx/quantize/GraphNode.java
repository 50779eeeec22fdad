package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoReader;
import dev.quantforge.engine.onnx.ProtoWriter;

import java.util.List;

/**
 * A NodeProto: what the quantizer reads and rewires (inputs, outputs, name, op type, domain), and every other field
 * (attributes, doc string, …) as encoded bytes, written back verbatim.
 */
public record GraphNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                        byte[] otherFields, boolean hasSubgraph) {

    public GraphNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        otherFields = otherFields == null ? new byte[0] : otherFields;
        domain = domain == null ? "" : domain;
    }

    /** A new node of the default domain; {@code attributes} are encoded AttributeProto fields (field 5). */
    public static GraphNode of(String name, String opType, List<String> inputs, List<String> outputs,
                               ProtoWriter attributes) {
        return new GraphNode(name, opType, "", inputs, outputs, attributes == null ? null : attributes.toByteArray(),
                false);
    }

    public GraphNode withInputs(List<String> newInputs) {
        return new GraphNode(name, opType, domain, newInputs, outputs, otherFields, hasSubgraph);
    }

    public GraphNode withOutputs(List<String> newOutputs) {
        return new GraphNode(name, opType, domain, inputs, newOutputs, otherFields, hasSubgraph);
    }

    public String output(int i) {
        return outputs.get(i);
    }

    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    ProtoWriter proto() {
        ProtoWriter p = new ProtoWriter();
        inputs.forEach(i -> p.string(1, i));
        outputs.forEach(o -> p.string(2, o));
        if (!name.isEmpty()) {
            p.string(3, name);
        }
        p.string(4, opType);
        if (!domain.isEmpty()) {
            p.string(7, domain);
        }
        return p.raw(otherFields, 0, otherFields.length);
    }

    /** The INT attribute {@code attribute} (AttributeProto field i), or {@code absent} when the node has none. */
    long intAttribute(String attribute, long absent) {
        ProtoReader a = attributeNamed(attribute);
        while (a != null && a.next()) {
            if (a.field() == 3) {
                return a.int64();
            }
            a.skip();
        }
        return absent;
    }

    /** The INTS attribute {@code attribute} (AttributeProto field ints, packed or not), or null when absent. */
    long[] intsAttribute(String attribute) {
        ProtoReader a = attributeNamed(attribute);
        if (a == null) {
            return null;
        }
        long[] values = new long[0];
        while (a.next()) {
            if (a.field() == 8) {
                long[] more = a.int64s();
                long[] all = java.util.Arrays.copyOf(values, values.length + more.length);
                System.arraycopy(more, 0, all, values.length, more.length);
                values = all;
            } else {
                a.skip();
            }
        }
        return values;
    }

    /** This node without the attribute {@code attribute}. */
    GraphNode withoutAttribute(String attribute) {
        ProtoWriter kept = new ProtoWriter();
        ProtoReader r = new ProtoReader(otherFields);
        int start = r.position();
        while (r.next()) {
            boolean dropped = r.field() == 5 && attribute.equals(nameOf(r.message()));
            if (r.field() != 5) {
                r.skip();
            }
            if (!dropped) {
                kept.raw(otherFields, start, r.position() - start);
            }
            start = r.position();
        }
        return new GraphNode(name, opType, domain, inputs, outputs, kept.toByteArray(), hasSubgraph);
    }

    /** The FLOAT attribute {@code attribute} (AttributeProto field f), or {@code absent} when the node has none. */
    float floatAttribute(String attribute, float absent) {
        ProtoReader a = attributeNamed(attribute);
        while (a != null && a.next()) {
            if (a.field() == 2) {
                return a.float32();
            }
            a.skip();
        }
        return absent;
    }

    /** This node with the FLOAT attribute {@code attribute} set to {@code value}, replacing any it had. */
    GraphNode withFloatAttribute(String attribute, float value) {
        ProtoWriter kept = new ProtoWriter();
        ProtoReader r = new ProtoReader(otherFields);
        int start = r.position();
        while (r.next()) {
            boolean replaced = r.field() == 5 && attribute.equals(nameOf(r.message()));
            if (r.field() != 5) {
                r.skip();
            }
            if (!replaced) {
                kept.raw(otherFields, start, r.position() - start);
            }
            start = r.position();
        }
        kept.message(5, new ProtoWriter().string(1, attribute).float32(2, value).int64(20, 1));
        return new GraphNode(name, opType, domain, inputs, outputs, kept.toByteArray(), hasSubgraph);
    }

    private ProtoReader attributeNamed(String attribute) {
        ProtoReader r = new ProtoReader(otherFields);
        while (r.next()) {
            if (r.field() != 5) {
                r.skip();
                continue;
            }
            int[] payload = r.payload();
            byte[] bytes = java.util.Arrays.copyOfRange(otherFields, payload[0], payload[0] + payload[1]);
            if (attribute.equals(nameOf(new ProtoReader(bytes)))) {
                return new ProtoReader(bytes);
            }
        }
        return null;
    }

    private static String nameOf(ProtoReader attribute) {
        while (attribute.next()) {
            if (attribute.field() == 1) {
                return attribute.string();
            }
            attribute.skip();
        }
        return "";
    }

    /** An int attribute as an encoded field 5 of a NodeProto (AttributeProto type INT). */
    static ProtoWriter intAttribute(ProtoWriter into, String attribute, long value) {
        return into.message(5, new ProtoWriter().string(1, attribute).int64(3, value).int64(20, 2));
    }
}
