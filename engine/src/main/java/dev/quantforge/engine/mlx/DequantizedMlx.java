package dev.quantforge.engine.mlx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.json.JsonFiles;
import dev.quantforge.engine.safetensors.SafetensorsCheckpoint;
import dev.quantforge.engine.safetensors.SafetensorsDtype;
import dev.quantforge.engine.safetensors.SafetensorsTensorInfo;
import dev.quantforge.engine.tensor.NamedTensors;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An MLX model directory (what {@code mlx_lm.convert -q} writes) seen as the float checkpoint it stands for:
 * every quantized {@code <module>.weight} with its {@code .scales} (and {@code .biases}) is one float tensor of
 * its logical shape, dequantized as MLX dequantizes it ({@link MlxKernels#dequantize}: values in the scales'
 * dtype), a chunk of rows at a time as pieces are read; every other tensor is read as stored. Which modules are
 * quantized, and how, is read as mlx-lm reads it: a module is quantized when its {@code .scales} are there, with
 * its own entry of config.json's {@code quantization} block when it has one, else the block's bits, group size
 * and mode.
 */
public final class DequantizedMlx implements NamedTensors {
    /** Dequantized values per read, at most (whole rows). */
    private static final long CHUNK_VALUES = 1 << 20;

    /** A quantized weight: its logical shape, quantization and the dtype MLX dequantizes it to. */
    public record QuantizedWeight(String module, long rows, long columns, MlxQuantization quantization,
                                  MlxDtype dtype) {
    }

    private final Path dir;
    private final SafetensorsCheckpoint checkpoint;
    /** Weight name → how it is quantized. */
    private final Map<String, QuantizedWeight> quantized;
    private final List<String> names;

    private DequantizedMlx(Path dir, SafetensorsCheckpoint checkpoint, Map<String, QuantizedWeight> quantized,
                           List<String> names) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.quantized = Collections.unmodifiableMap(quantized);
        this.names = List.copyOf(names);
    }

    /** Whether {@code dir} holds an MLX quantized model: safetensors and a config.json with a quantization block. */
    public static boolean isMlxDirectory(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir) || !java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) {
            return false;
        }
        if (!java.nio.file.Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.INDEX_FILE))
                && !java.nio.file.Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE))) {
            return false;
        }
        try {
            return JsonFiles.readObject(dir.resolve("config.json")).path("quantization").isObject();
        } catch (InvalidInputException e) {
            return false;
        }
    }

    /** Opens an MLX directory; a tensor set that does not add up (a packed weight whose shape does not fit its scales) is refused. */
    public static DequantizedMlx open(Path dir) {
        JsonNode config = JsonFiles.readObject(dir.resolve("config.json"));
        JsonNode block = config.path("quantization");
        if (!block.isObject()) {
            block = config.path("quantization_config");
        }
        if (!block.isObject()) {
            throw new InvalidInputException(dir.resolve("config.json") + ": has no \"quantization\" block; not an MLX"
                    + " quantized model");
        }
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir);
        try {
            MlxDtype modelDtype = modelDtype(config, checkpoint);
            Map<String, QuantizedWeight> quantized = new TreeMap<>();
            List<String> names = new ArrayList<>();
            for (String name : checkpoint.names()) {
                if (name.endsWith(".scales")) {
                    String module = name.substring(0, name.length() - ".scales".length());
                    quantized.put(module + ".weight", weight(dir, checkpoint, block, module, modelDtype));
                }
            }
            for (String name : checkpoint.names()) {
                boolean partOfQuantized = (name.endsWith(".scales") || name.endsWith(".biases"))
                        && quantized.containsKey(name.substring(0, name.lastIndexOf('.')) + ".weight");
                if (!partOfQuantized) {
                    names.add(name);
                }
            }
            return new DequantizedMlx(dir, checkpoint, quantized, names);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static QuantizedWeight weight(Path dir, SafetensorsCheckpoint checkpoint, JsonNode block, String module,
                                          MlxDtype modelDtype) {
        String weightName = module + ".weight";
        SafetensorsTensorInfo weight = checkpoint.info(weightName).orElseThrow(() -> new InvalidInputException(
                checkpoint.fileOf(module + ".scales") + ": " + module + ".scales has no " + weightName));
        SafetensorsTensorInfo scales = checkpoint.info(module + ".scales").orElseThrow();
        JsonNode own = block.path(module);
        JsonNode settings = own.isObject() ? own : block;
        MlxMode mode = MlxMode.parse(settings.path("mode").asText(block.path("mode").asText("affine")));
        int bits = settings.path("bits").asInt(mode.defaultBits());
        int groupSize = settings.path("group_size").asInt(mode.defaultGroupSize());
        MlxQuantization q = new MlxQuantization(mode, bits, groupSize);
        long[] w = weight.shape();
        long[] s = scales.shape();
        String where = checkpoint.fileOf(weightName) + ": " + module;
        if (weight.dtype() != SafetensorsDtype.U32 || w.length != 2 || s.length != 2 || w[0] != s[0]) {
            throw new InvalidInputException(where + ": a quantized weight is uint32 [rows, words] with scales [rows,"
                    + " groups], got " + weight.dtype() + " " + weight.shapeText() + " and " + scales.dtype() + " "
                    + scales.shapeText());
        }
        long columns = s[1] * groupSize;
        if (q.packedRowWords(columns) != w[1] || columns * bits % 32 != 0) {
            throw new InvalidInputException(where + ": " + w[1] + " packed words per row do not hold " + s[1]
                    + " groups of " + groupSize + " " + bits + "-bit values (config.json's quantization)");
        }
        MlxDtype dtype;
        if (mode.hasBiases()) {
            dtype = MlxDtype.of(scales.dtype()).orElseThrow(() -> new InvalidInputException(where
                    + ".scales has dtype " + scales.dtype() + "; affine scales are float16, bfloat16 or float32"));
            SafetensorsTensorInfo biases = checkpoint.info(module + ".biases").orElseThrow(() ->
                    new InvalidInputException(where + ": affine quantization needs " + module + ".biases"));
            if (biases.dtype() != scales.dtype() || !java.util.Arrays.equals(biases.shape(), s)) {
                throw new InvalidInputException(where + ".biases must have the scales' dtype and shape");
            }
        } else {
            if (scales.dtype() != SafetensorsDtype.U8) {
                throw new InvalidInputException(where + ".scales of mode " + mode.mlxName() + " are uint8, not "
                        + scales.dtype());
            }
            dtype = modelDtype;
        }
        return new QuantizedWeight(module, w[0], columns, q, dtype);
    }

    /** What the model computes in: config.json's torch_dtype, else the first float tensor's dtype, else bfloat16. */
    private static MlxDtype modelDtype(JsonNode config, SafetensorsCheckpoint checkpoint) {
        JsonNode torch = config.get("torch_dtype");
        if (torch != null && torch.isTextual()) {
            var named = MlxDtype.ofConfigName(torch.textValue());
            if (named.isPresent()) {
                return named.get();
            }
        }
        for (String name : checkpoint.names()) {
            var dtype = MlxDtype.of(checkpoint.info(name).orElseThrow().dtype());
            if (dtype.isPresent() && !name.endsWith(".scales") && !name.endsWith(".biases")) {
                return dtype.get();
            }
        }
        return MlxDtype.BFLOAT16;
    }

    public Path directory() {
        return dir;
    }

    /** The quantized weights by name, sorted. */
    public Map<String, QuantizedWeight> quantizedWeights() {
        return quantized;
    }

    /** The stored tensors (packed weights, scales, biases and the rest), for sizes. */
    public SafetensorsCheckpoint stored() {
        return checkpoint;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public long[] storedShape(String name) {
        QuantizedWeight q = quantized.get(name);
        return q == null ? checkpoint.storedShape(name) : new long[] {q.rows(), q.columns()};
    }

    @Override
    public TensorSource source(String name) {
        QuantizedWeight q = quantized.get(name);
        return q == null ? checkpoint.source(name) : new Dequantized(name, q);
    }

    @Override
    public Path fileOf(String name) {
        return checkpoint.fileOf(name);
    }

    @Override
    public void close() {
        checkpoint.close();
    }

    /** A quantized weight as F32 values, dequantized a chunk of whole rows at a time. */
    private final class Dequantized implements TensorSource {
        private final String name;
        private final QuantizedWeight q;

        Dequantized(String name, QuantizedWeight q) {
            this.name = name;
            this.q = q;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long[] shape() {
            return new long[] {q.columns(), q.rows()};
        }

        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public ByteBuffer bytes(long offset, int length) {
            if (offset < 0 || length < 0 || offset + length > byteSize() || offset % 4 != 0 || length % 4 != 0) {
                throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of F32 tensor " + name
                        + " (" + byteSize() + " bytes, whole elements only)");
            }
            ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            long cols = q.columns();
            long first = offset / 4;
            long end = first + length / 4;
            long chunkRows = Math.max(1, CHUNK_VALUES / cols);
            for (long row = first / cols; row * cols < end; row += chunkRows) {
                int n = (int) Math.min(chunkRows, q.rows() - row);
                float[] values = rows(row, n);
                long from = Math.max(first, row * cols);
                long to = Math.min(end, (row + n) * cols);
                for (long e = from; e < to; e++) {
                    out.putFloat((int) ((e - first) * 4), values[(int) (e - row * cols)]);
                }
            }
            return out;
        }

        /** Rows {@code [row, row + n)} dequantized. */
        private float[] rows(long row, int n) {
            MlxQuantization quantization = q.quantization();
            long words = quantization.packedRowWords(q.columns());
            long groups = quantization.groupsPerRow(q.columns());
            int scaleBytes = quantization.scaleBytes(q.dtype());
            ByteBuffer wq = checkpoint.rawBytes(name, row * words * 4, Math.toIntExact(n * words * 4));
            ByteBuffer scales = checkpoint.rawBytes(q.module() + ".scales", row * groups * scaleBytes,
                    Math.toIntExact(n * groups * scaleBytes));
            ByteBuffer biases = quantization.mode().hasBiases()
                    ? checkpoint.rawBytes(q.module() + ".biases", row * groups * scaleBytes, Math.toIntExact(n * groups * scaleBytes))
                    : null;
            return MlxKernels.dequantize(wq, scales, biases, n, Math.toIntExact(q.columns()), quantization, q.dtype());
        }
    }
}
