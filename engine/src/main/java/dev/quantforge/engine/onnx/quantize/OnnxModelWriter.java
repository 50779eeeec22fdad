package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.onnx.ProtoReader;
import dev.quantforge.engine.onnx.ProtoWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes a quantized graph as a model next to nothing half-done: everything goes to temporary siblings that are
 * renamed into place only when complete. A source with external data gives an output with external data
 * ({@code OUT.onnx.data}, tensors of 1 KiB or more), copied tensor by tensor; otherwise the weights are inline.
 * Every other field of the source ModelProto and GraphProto is copied verbatim; the producer becomes quantforge and
 * the metadata gets {@code quantforge.precision}.
 */
final class OnnxModelWriter {
    static final int EXTERNAL_THRESHOLD = 1024;
    private static final int GRAPH_INITIALIZER = 5;

    /** Sizes of what was written. */
    record Written(Path model, long modelBytes, Path data, long dataBytes) {
    }

    private final OnnxModelFile source;
    private final String producerVersion;

    OnnxModelWriter(OnnxModelFile source, String producerVersion) {
        this.source = source;
        this.producerVersion = producerVersion;
    }

    Written write(QuantizedGraph graph, Path out) {
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new InvalidInputException(out + ": its directory does not exist");
        }
        boolean external = source.hasExternalData();
        String dataName = out.getFileName() + ".data";
        Path tmpModel = dir.resolve("." + out.getFileName() + ".tmp");
        Path tmpData = dir.resolve("." + dataName + ".tmp");
        try {
            byte[] model;
            long dataBytes = 0;
            if (external) {
                try (FileChannel data = FileChannel.open(tmpData, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
                    model = model(graph, data, dataName);
                    dataBytes = data.size();
                }
            } else {
                model = model(graph, null, null);
            }
            try (OutputStream o = Files.newOutputStream(tmpModel)) {
                o.write(model);
            }
            Path dataPath = null;
            if (external) {
                dataPath = dir.resolve(dataName);
                Files.move(tmpData, dataPath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmpModel, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written(out, model.length, dataPath, dataBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmpModel);
            deleteQuietly(tmpData);
        }
    }

    private byte[] model(QuantizedGraph graph, FileChannel data, String dataName) throws IOException {
        byte[] bytes = source.bytes();
        ProtoWriter model = new ProtoWriter();
        boolean producerWritten = false;
        for (OnnxModelFile.Span span : source.modelFields()) {
            switch (span.field()) {
                case OnnxModelFile.MODEL_GRAPH -> model.message(OnnxModelFile.MODEL_GRAPH, graph(graph, data, dataName));
                case 2, 3 -> {
                    if (!producerWritten) {
                        model.string(2, "quantforge").string(3, producerVersion);
                        producerWritten = true;
                    }
                }
                case OnnxModelFile.MODEL_OPSET_IMPORT -> {
                    if (graph.defaultOpset() > 0 && defaultDomain(span)) {
                        model.message(OnnxModelFile.MODEL_OPSET_IMPORT, new ProtoWriter().string(1, "").int64(2, graph.defaultOpset()));
                    } else {
                        model.raw(bytes, span.offset(), span.length());
                    }
                }
                case 14 -> {
                    if (!metadataKey(span).startsWith("quantforge.")) {
                        model.raw(bytes, span.offset(), span.length());
                    }
                }
                default -> model.raw(bytes, span.offset(), span.length());
            }
        }
        if (!producerWritten) {
            model.string(2, "quantforge").string(3, producerVersion);
        }
        boolean microsoftOps = graph.nodes().stream().anyMatch(n -> n.domain().equals(Int4MatMulQuantizer.MICROSOFT));
        if (microsoftOps && !source.opsets().containsKey(Int4MatMulQuantizer.MICROSOFT)) {
            model.message(OnnxModelFile.MODEL_OPSET_IMPORT, new ProtoWriter().string(1, Int4MatMulQuantizer.MICROSOFT).int64(2, 1));
        }
        model.message(14, new ProtoWriter().string(1, "quantforge.precision").string(2, graph.precision()));
        return model.toByteArray();
    }

    /** Whether an opset_import field is the default domain's ("" or ai.onnx). */
    private boolean defaultDomain(OnnxModelFile.Span span) {
        ProtoReader field = new ProtoReader(java.util.Arrays.copyOfRange(source.bytes(), span.offset(), span.offset() + span.length()));
        field.next();
        ProtoReader entry = field.message();
        while (entry.next()) {
            if (entry.field() == 1) {
                String domain = entry.string();
                return domain.isEmpty() || domain.equals("ai.onnx");
            }
            entry.skip();
        }
        return true;
    }

    private String metadataKey(OnnxModelFile.Span span) {
        ProtoReader field = new ProtoReader(java.util.Arrays.copyOfRange(source.bytes(), span.offset(), span.offset() + span.length()));
        field.next();
        ProtoReader entry = field.message();
        while (entry.next()) {
            if (entry.field() == 1) {
                return entry.string();
            }
            entry.skip();
        }
        return "";
    }

    private ProtoWriter graph(QuantizedGraph graph, FileChannel data, String dataName) throws IOException {
        byte[] bytes = source.bytes();
        ProtoWriter g = new ProtoWriter();
        graph.nodes().forEach(n -> g.message(OnnxModelFile.GRAPH_NODE, n.proto()));
        Map<Integer, String> inputNames = source.graphInputNames();
        for (int i = 0; i < source.graphFields().size(); i++) {
            OnnxModelFile.Span span = source.graphFields().get(i);
            String inputName = inputNames.get(i);
            boolean droppedInitializerInput = inputName != null && source.initializers().containsKey(inputName)
                    && !graph.keptInitializers().contains(inputName);
            if (!droppedInitializerInput) {
                g.raw(bytes, span.offset(), span.length());
            }
        }
        for (String extra : graph.extraOutputs()) {
            // no type: ONNX Runtime infers it, and calibration keeps the outputs it reports as float32
            if (!source.graphOutputs().contains(extra)) {
                g.message(OnnxModelFile.GRAPH_OUTPUT, new ProtoWriter().string(1, extra));
            }
        }
        for (StoredTensor t : source.initializers().values()) {
            if (!graph.keptInitializers().contains(t.name())) {
                continue;
            }
            if (t.data() instanceof StoredTensor.External e) {
                long offset = data.size();
                try (FileChannel in = FileChannel.open(source.externalFile(e), StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < e.length()) {
                        done += in.transferTo(e.offset() + done, e.length() - done, data.position(offset + done));
                    }
                }
                g.message(GRAPH_INITIALIZER, reencodedExternal(t, dataName, offset, e.length()));
            } else {
                g.raw(bytes, t.protoOffset(), t.protoLength());
            }
        }
        for (NewTensor t : graph.newTensors()) {
            ProtoWriter p = new ProtoWriter();
            for (long d : t.dims()) {
                p.int64(1, d);
            }
            p.int64(2, t.dataType()).string(8, t.name());
            if (data != null && t.data().length >= EXTERNAL_THRESHOLD) {
                long offset = data.size();
                data.write(java.nio.ByteBuffer.wrap(t.data()), offset);
                externalEntries(p, dataName, offset, t.data().length);
            } else {
                p.bytes(9, t.data());
            }
            g.message(GRAPH_INITIALIZER, p);
        }
        return g;
    }

    /** A kept external tensor: its fields but the data location, which now points into the output's data file. */
    private ProtoWriter reencodedExternal(StoredTensor t, String dataName, long offset, long length) {
        byte[] field = java.util.Arrays.copyOfRange(source.bytes(), t.protoOffset(), t.protoOffset() + t.protoLength());
        ProtoReader outer = new ProtoReader(field);
        outer.next();
        ProtoReader tensor = outer.message();
        ProtoWriter p = new ProtoWriter();
        int start = tensor.position();
        while (tensor.next()) {
            int f = tensor.field();
            tensor.skip();
            if (f != 9 && f != 13 && f != 14) {
                p.raw(field, start, tensor.position() - start);
            }
            start = tensor.position();
        }
        return externalEntries(p, dataName, offset, length);
    }

    private static ProtoWriter externalEntries(ProtoWriter p, String location, long offset, long length) {
        p.message(13, new ProtoWriter().string(1, "location").string(2, location));
        p.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
        p.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(length)));
        return p.int64(14, 1);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary file is not worth hiding the real outcome
        }
    }
}
