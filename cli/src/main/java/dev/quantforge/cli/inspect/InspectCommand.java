package dev.quantforge.cli.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.onnx.OnnxExporter;
import dev.quantforge.engine.onnx.OnnxModelInfo;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Show a model's metadata, tensors, parameter count, size and bits per weight.")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "GGUF file, safetensors file, Hugging Face model directory or ONNX variant directory")
    Path file;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (OnnxExporter.isOnnxDirectory(file)) {
            OnnxModelInfo info = OnnxModelInfo.read(file);
            out.print(json ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info.toJson()) + "\n"
                    : info.table());
            out.flush();
            return 0;
        }
        try (ModelSource model = ModelSources.open(file)) {
            ModelSummary summary = ModelSummary.of(model);
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary.toJson(model)));
            } else {
                summary.print(out, model);
            }
        }
        return 0;
    }

    /** Totals over a model's tensors. */
    record ModelSummary(long parameters, long tensorBytes, Map<String, Integer> tensorsByType) {

        static ModelSummary of(ModelSource model) {
            long parameters = 0;
            long bytes = 0;
            Map<String, Integer> byType = new TreeMap<>();
            for (TensorSource t : model.tensors()) {
                parameters += t.elementCount();
                bytes += t.byteSize();
                byType.merge(t.type().ggmlName(), 1, Integer::sum);
            }
            return new ModelSummary(parameters, bytes, byType);
        }

        double bitsPerWeight() {
            return parameters == 0 ? 0 : tensorBytes * 8.0 / parameters;
        }

        void print(PrintWriter out, ModelSource model) {
            out.println(model.description());
            if (model instanceof GgufFile gguf) {
                out.printf(Locale.ROOT, "GGUF v%d, %d bytes, alignment %d%n", gguf.version(), gguf.fileSize(), gguf.alignment());
            }
            out.printf("%nmetadata (%d keys)%n", model.metadata().size());
            model.metadata().forEach((key, value) ->
                    out.printf(Locale.ROOT, "  %-44s %-8s %s%n", key, typeName(value), value.display()));
            List<TensorSource> tensors = model.tensors();
            int nameWidth = Math.max(6, tensors.stream().mapToInt(t -> t.name().length()).max().orElse(6));
            out.printf(Locale.ROOT, "%ntensors (%d)%n", tensors.size());
            String row = "  %-" + nameWidth + "s  %-18s %-8s %12s%n";
            out.printf(Locale.ROOT, row, "name", "shape", "type", "bytes");
            for (TensorSource t : tensors) {
                out.printf(Locale.ROOT, row, t.name(), Shapes.format(t.shape()), t.type().ggmlName(), t.byteSize());
            }
            out.printf(Locale.ROOT, "%nparameters      %,d%n", parameters);
            out.printf(Locale.ROOT, "tensor data     %,d bytes (%.2f MB)%n", tensorBytes, tensorBytes / 1e6);
            out.printf(Locale.ROOT, "bits per weight %.3f%n", bitsPerWeight());
            out.printf(Locale.ROOT, "types           %s%n", tensorsByType);
        }

        Map<String, Object> toJson(ModelSource model) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("source", model.description());
            if (model instanceof GgufFile gguf) {
                json.put("format", "gguf");
                json.put("gguf_version", gguf.version());
                json.put("file_bytes", gguf.fileSize());
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            model.metadata().forEach((key, value) -> metadata.put(key, jsonValue(value)));
            json.put("metadata", metadata);
            List<Map<String, Object>> tensors = new ArrayList<>();
            for (TensorSource t : model.tensors()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", t.name());
                entry.put("shape", t.shape());
                entry.put("type", t.type().ggmlName());
                entry.put("bytes", t.byteSize());
                tensors.add(entry);
            }
            json.put("tensors", tensors);
            json.put("parameters", parameters);
            json.put("tensor_bytes", tensorBytes);
            json.put("bits_per_weight", bitsPerWeight());
            json.put("tensors_by_type", tensorsByType);
            return json;
        }

        private static String typeName(GgufValue value) {
            return value.type() == dev.quantforge.engine.gguf.GgufValueType.ARRAY
                    ? value.asArray().elementType().name().toLowerCase(Locale.ROOT) + "[]"
                    : value.type().name().toLowerCase(Locale.ROOT);
        }

        /** Scalars as JSON values; arrays as their type and length, plus the elements when short. */
        private static Object jsonValue(GgufValue value) {
            return switch (value.type()) {
                case ARRAY -> {
                    var array = value.asArray();
                    Map<String, Object> a = new LinkedHashMap<>();
                    a.put("type", array.elementType().name().toLowerCase(Locale.ROOT));
                    a.put("length", array.length());
                    if (array.length() <= 64) {
                        a.put("values", array.elements());
                    }
                    yield a;
                }
                case UINT8, UINT16, UINT32, INT8, INT16, INT32, INT64 -> value.asLong();
                case UINT64 -> Long.toUnsignedString((Long) value.value());
                default -> value.value();
            };
        }
    }
}
