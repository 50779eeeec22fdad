package dev.quantforge.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.json.JsonFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What an ONNX variant directory holds, read from its {@code model.onnx} (graph only; the external data is
 * not read): graph inputs and outputs, op counts, initializers by type, sizes, and quantforge's metadata.
 */
public record OnnxModelInfo(Path directory, long modelBytes, long dataBytes, long otherBytes, List<Value> inputs,
                            List<Value> outputs, Map<String, Integer> opCounts, Map<String, Integer> initializersByType,
                            long tensorBytes, long parameters, Map<String, String> metadata, int contextLength,
                            long irVersion, Map<String, Long> opsets) {

    /** A graph input or output: name, element type and dimensions (numbers or symbolic names). */
    public record Value(String name, String type, List<String> dims) {
        @Override
        public String toString() {
            return name + " " + type + "[" + String.join(", ", dims) + "]";
        }
    }

    public static OnnxModelInfo read(Path dir) {
        if (!OnnxExporter.isOnnxDirectory(dir)) {
            throw new InvalidInputException(dir + ": not an ONNX variant directory (no " + OnnxExporter.MODEL + ")");
        }
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(OnnxExporter.MODEL));
            long data = 0;
            long other = 0;
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.equals(OnnxExporter.DATA)) {
                        data = Files.size(f);
                    } else if (!name.equals(OnnxExporter.MODEL) && Files.isRegularFile(f)) {
                        other += Files.size(f);
                    }
                }
            }
            int context = 0;
            Path genai = dir.resolve(OnnxExporter.GENAI_CONFIG);
            if (Files.isRegularFile(genai)) {
                JsonNode root = JsonFiles.readObject(genai);
                context = root.path("model").path("context_length").asInt(0);
            }
            return parse(dir, bytes, data, other, context);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(dir.resolve(OnnxExporter.MODEL) + ": not a readable ONNX model (" + e.getMessage() + ")");
        }
    }

    private static OnnxModelInfo parse(Path dir, byte[] bytes, long data, long other, int context) {
        List<Value> inputs = new ArrayList<>();
        List<Value> outputs = new ArrayList<>();
        Map<String, Integer> ops = new TreeMap<>();
        Map<String, Integer> initializers = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Long> opsets = new LinkedHashMap<>();
        long tensorBytes = 0;
        long parameters = 0;
        long ir = 0;
        ProtoReader model = new ProtoReader(bytes);
        while (model.next()) {
            switch (model.field()) {
                case 1 -> ir = model.int64();
                case 7 -> {
                    ProtoReader graph = model.message();
                    while (graph.next()) {
                        switch (graph.field()) {
                            case 1 -> {
                                ProtoReader node = graph.message();
                                String op = null;
                                String domain = "";
                                while (node.next()) {
                                    if (node.field() == 4) {
                                        op = node.string();
                                    } else if (node.field() == 7) {
                                        domain = node.string();
                                    } else {
                                        node.skip();
                                    }
                                }
                                if (op == null) {
                                    throw new IllegalArgumentException("a graph node has no op_type");
                                }
                                ops.merge(domain.isEmpty() ? op : domain + "." + op, 1, Integer::sum);
                            }
                            case 5 -> {
                                long[] t = tensor(graph.message());
                                // t = {type, bytes, elements}
                                String type = OnnxDataType.byId((int) t[0]).map(OnnxDataType::displayName).orElse("type" + t[0]);
                                initializers.merge(type, 1, Integer::sum);
                                tensorBytes += t[1];
                                parameters += t[3];
                            }
                            case 11 -> inputs.add(value(graph.message()));
                            case 12 -> outputs.add(value(graph.message()));
                            default -> graph.skip();
                        }
                    }
                }
                case 8 -> {
                    ProtoReader.OpsetImport opset = model.opsetImport();
                    opsets.put(opset.domain().isEmpty() ? "ai.onnx" : opset.domain(), opset.version());
                }
                case 14 -> {
                    String[] entry = model.stringEntry();
                    if (entry[0] != null) {
                        metadata.put(entry[0], entry[1]);
                    }
                }
                default -> model.skip();
            }
        }
        return new OnnxModelInfo(dir, bytes.length, data, other, inputs, outputs, ops, initializers, tensorBytes,
                parameters, metadata, context, ir, opsets);
    }

    /**
     * {type, bytes, elements, weights}: weights count the parameters a tensor stands for (packed int4 holds two
     * per byte; scales and zero points and shape constants count none).
     */
    private static long[] tensor(ProtoReader t) {
        long type = 0;
        long bytes = 0;
        String name = "";
        List<Long> dims = new ArrayList<>();
        while (t.next()) {
            switch (t.field()) {
                case 1 -> Arrays.stream(t.int64s()).forEach(dims::add);
                case 2 -> type = t.int64();
                case 8 -> name = t.string();
                case 9 -> bytes = t.skipLength();
                case 13 -> {
                    String[] entry = t.stringEntry();
                    if ("length".equals(entry[0])) {
                        bytes = Long.parseLong(entry[1]);
                    }
                }
                default -> t.skip();
            }
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("initializer " + name + " has a negative dimension " + d);
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("initializer " + name + " has more elements than fit in 64 bits");
            }
        }
        long weights = 0;
        if (name.endsWith("_Q4")) {
            weights = elements * 2;
        } else if (!name.startsWith("/") && !name.endsWith("_scale") && !name.endsWith("_scales") && !name.endsWith("_zero_points")) {
            weights = elements;
        }
        return new long[]{type, bytes, elements, weights};
    }

    private static Value value(ProtoReader v) {
        String name = "";
        String type = "?";
        List<String> dims = new ArrayList<>();
        while (v.next()) {
            if (v.field() == 1) {
                name = v.string();
            } else if (v.field() == 2) {
                ProtoReader typeProto = v.message();
                while (typeProto.next()) {
                    if (typeProto.field() != 1) {
                        typeProto.skip();
                        continue;
                    }
                    ProtoReader tensor = typeProto.message();
                    while (tensor.next()) {
                        if (tensor.field() == 1) {
                            int id = (int) tensor.int64();
                            type = OnnxDataType.byId(id).map(OnnxDataType::displayName).orElse("type" + id);
                        } else if (tensor.field() == 2) {
                            ProtoReader shape = tensor.message();
                            while (shape.next()) {
                                ProtoReader dim = shape.message();
                                String d = "?";
                                while (dim.next()) {
                                    if (dim.field() == 1) {
                                        d = Long.toString(dim.int64());
                                    } else if (dim.field() == 2) {
                                        d = dim.string();
                                    } else {
                                        dim.skip();
                                    }
                                }
                                dims.add(d);
                            }
                        } else {
                            tensor.skip();
                        }
                    }
                }
            } else {
                v.skip();
            }
        }
        return new Value(name, type, dims);
    }

    public long totalBytes() {
        return modelBytes + dataBytes + otherBytes;
    }

    /** quantforge's precision name (e.g. {@code int4-b32-asym}), or "unknown" for a model another tool wrote. */
    public String precision() {
        return metadata.getOrDefault("quantforge.precision", "unknown");
    }

    public String description() {
        String arch = metadata.get("quantforge.architecture");
        return (arch == null ? "ONNX model" : arch) + " " + precision() + ", " + inputs.size() + " inputs, "
                + opCounts.values().stream().mapToInt(Integer::intValue).sum() + " nodes";
    }

    /** What {@code quantforge inspect --json} prints. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", "onnx");
        json.put("directory", directory.toString());
        json.put("precision", precision());
        json.put("irVersion", irVersion);
        json.put("opsets", opsets);
        json.put("bytes", totalBytes());
        json.put("modelBytes", modelBytes);
        json.put("dataBytes", dataBytes);
        json.put("parameters", parameters);
        json.put("tensorBytes", tensorBytes);
        json.put("initializersByType", initializersByType);
        json.put("inputs", inputs.stream().map(v -> Map.of("name", v.name(), "type", v.type(), "dims", v.dims())).toList());
        json.put("outputs", outputs.stream().map(v -> Map.of("name", v.name(), "type", v.type(), "dims", v.dims())).toList());
        json.put("ops", opCounts);
        json.put("metadata", metadata);
        return json;
    }

    /** The text {@code quantforge inspect} prints. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: ONNX model, IR %d, opsets %s%n", directory, irVersion, opsets));
        out.append(String.format(Locale.ROOT, "  precision %s%s%n", precision(),
                metadata.containsKey("quantforge.architecture") ? " (" + metadata.get("quantforge.architecture") + ")" : ""));
        out.append(String.format(Locale.ROOT, "  size %,d bytes: model.onnx %,d, model.onnx.data %,d, other files %,d%n",
                totalBytes(), modelBytes, dataBytes, otherBytes));
        out.append(String.format(Locale.ROOT, "  weights %,d parameters in %,d bytes of initializers (%.2f bits per weight)%n",
                parameters, tensorBytes, parameters == 0 ? 0 : tensorBytes * 8.0 / parameters));
        out.append("  initializers by type: ").append(initializersByType.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
        out.append("inputs:\n");
        inputs.forEach(v -> out.append("  ").append(v).append('\n'));
        out.append("outputs:\n");
        outputs.forEach(v -> out.append("  ").append(v).append('\n'));
        out.append("ops:\n");
        opCounts.forEach((op, n) -> out.append(String.format(Locale.ROOT, "  %-28s %d%n", op, n)));
        return out.toString();
    }
}
