package dev.quantforge.engine.imatrix;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.gguf.GgufValueType;
import dev.quantforge.engine.tensor.FloatRows;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Per-column importance weights for the tensors of a model, read from llama.cpp's GGUF imatrix
 * layout: for each weight {@code NAME}, a tensor {@code NAME.in_sum2} (summed squared activations,
 * one per column) and {@code NAME.counts} (how many activations were summed). The weight of a
 * column is {@code in_sum2 / counts}.
 */
public final class ImportanceMatrix {
    private static final String SUM_SUFFIX = ".in_sum2";
    private static final String COUNT_SUFFIX = ".counts";

    private final Path source;
    private final Map<String, float[]> weights;
    private final Map<String, String> provenance;

    private ImportanceMatrix(Path source, Map<String, float[]> weights, Map<String, String> provenance) {
        this.source = source;
        this.weights = weights;
        this.provenance = provenance;
    }

    public static ImportanceMatrix read(Path path) {
        try (GgufFile file = GgufFile.open(path)) {
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (GgufTensorInfo sums : file.tensorInfos()) {
                if (!sums.name().endsWith(SUM_SUFFIX)) {
                    continue;
                }
                String name = sums.name().substring(0, sums.name().length() - SUM_SUFFIX.length());
                GgufTensorInfo counts = file.tensorInfo(name + COUNT_SUFFIX).orElseThrow(() -> new InvalidInputException(
                        path + ": importance matrix has " + sums.name() + " but no " + name + COUNT_SUFFIX));
                if (sums.type() != GgmlType.F32 || counts.type() != GgmlType.F32) {
                    throw new InvalidInputException(path + ": importance matrix tensors of " + name + " must be F32");
                }
                if (sums.dimensions() != 1 && sums.shape()[1] != 1) {
                    // 3-D MoE expert matrices are out of scope for now
                    throw new InvalidInputException(path + ": importance entry " + name + " has shape "
                            + java.util.Arrays.toString(sums.shape()) + "; only one vector per tensor is supported");
                }
                int columns = Math.toIntExact(sums.shape()[0]);
                float[] values = new float[columns];
                FloatRows.read(file.source(sums), 0, 1, values);
                float[] count = new float[Math.toIntExact(counts.elementCount())];
                FloatRows.read(file.source(counts), 0, 1, count);
                if (count.length < 1 || !(count[0] > 0)) {
                    throw new InvalidInputException(path + ": importance entry " + name + " has no activations (count "
                            + (count.length < 1 ? "missing" : count[0]) + ")");
                }
                for (int i = 0; i < columns; i++) {
                    values[i] /= count[0];
                    if (!Float.isFinite(values[i]) || values[i] < 0) {
                        throw new InvalidInputException(path + ": importance entry " + name + " has an invalid value "
                                + values[i] + " at column " + i);
                    }
                }
                weights.put(name, values);
            }
            if (weights.isEmpty()) {
                throw new InvalidInputException(path + ": not an importance matrix (no *.in_sum2 tensors)");
            }
            Map<String, String> provenance = new LinkedHashMap<>();
            file.metadata().forEach((key, value) -> {
                if (key.startsWith("imatrix.")) {
                    provenance.put(key, value.type() == GgufValueType.ARRAY && value.asArray().elementType() == GgufValueType.STRING
                            ? String.join(", ", value.asArray().strings())
                            : value.type() == GgufValueType.STRING ? value.asString() : value.display());
                }
            });
            return new ImportanceMatrix(path, Collections.unmodifiableMap(weights), Collections.unmodifiableMap(provenance));
        }
    }

    public Path source() {
        return source;
    }

    /** Weights for a tensor, checked against its row length. */
    public Optional<float[]> weightsFor(String tensorName, long rowLength) {
        float[] w = weights.get(tensorName);
        if (w == null) {
            return Optional.empty();
        }
        if (w.length != rowLength) {
            throw new InvalidInputException(source + ": importance entry " + tensorName + " has " + w.length
                    + " columns but the tensor's rows have " + rowLength);
        }
        return Optional.of(w);
    }

    /** Names of the tensors the matrix has weights for. */
    public java.util.Set<String> tensorNames() {
        return weights.keySet();
    }

    public int size() {
        return weights.size();
    }

    /** {@code imatrix.*} metadata of the file (dataset, chunk count), for provenance. */
    public Map<String, String> provenance() {
        return provenance;
    }
}
