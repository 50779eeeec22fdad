package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;

/**
 * Compares every variant tensor with the source tensor of the same name, both decoded to float32,
 * streaming a bounded number of rows at a time so that no tensor has to fit in the heap.
 */
final class TensorComparison {
    /** Values decoded per side and chunk: 2 x 4 MiB of floats whatever the model's size. */
    private static final int CHUNK_VALUES = 1 << 20;

    private TensorComparison() {
    }

    /** {@code progress} sees the fraction 0..1 of variant weights compared so far. */
    static BenchmarkReport.TensorErrors compare(List<TensorSource> variant, ModelSource source,
                                                BooleanSupplier cancelled, DoubleConsumer progress) {
        Map<String, TensorSource> sourceByName = new HashMap<>();
        for (TensorSource t : source.tensors()) {
            sourceByName.put(t.name(), t);
        }
        long totalValues = Math.max(1, variant.stream().mapToLong(TensorSource::elementCount).sum());
        long doneValues = 0;
        List<BenchmarkReport.TensorError> errors = new ArrayList<>();
        int notCompared = 0;
        double sumSquaredError = 0;
        double sumSquaredSource = 0;
        double maxAbsError = 0;
        for (TensorSource tensor : variant) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("benchmark cancelled while comparing tensors");
            }
            TensorSource original = sourceByName.get(tensor.name());
            if (original == null || !decodable(tensor.type()) || !decodable(original.type())) {
                notCompared++;
            } else {
                if (!Arrays.equals(tensor.shape(), original.shape())) {
                    throw new InvalidInputException(source.description() + ": tensor " + tensor.name() + " has shape "
                            + Shapes.format(original.shape()) + " but the variant's has " + Shapes.format(tensor.shape())
                            + "; is this the variant's source?");
                }
                Accumulator sum = compare(tensor, original, cancelled);
                errors.add(sum.error(tensor, original));
                sumSquaredError += sum.squaredError;
                sumSquaredSource += sum.squaredSource;
                maxAbsError = Math.max(maxAbsError, sum.maxAbsError);
            }
            doneValues += tensor.elementCount();
            progress.accept((double) doneValues / totalValues);
        }
        List<BenchmarkReport.TensorError> worst = errors.stream()
                .sorted(Comparator.comparingDouble(BenchmarkReport.TensorError::relativeRmse).reversed())
                .limit(BenchmarkReport.WORST_TENSORS)
                .toList();
        double weighted = sumSquaredSource > 0 ? Math.sqrt(sumSquaredError / sumSquaredSource) : Math.sqrt(sumSquaredError);
        return new BenchmarkReport.TensorErrors(errors.size(), notCompared, BenchmarkReport.TensorErrors.RANKING,
                errors.stream().mapToDouble(BenchmarkReport.TensorError::relativeRmse).average().orElse(0),
                errors.stream().mapToDouble(BenchmarkReport.TensorError::relativeRmse).max().orElse(0),
                weighted, maxAbsError,
                errors.stream().mapToDouble(BenchmarkReport.TensorError::cosineSimilarity).average().orElse(1),
                errors.stream().mapToDouble(BenchmarkReport.TensorError::cosineSimilarity).min().orElse(1),
                worst);
    }

    private static Accumulator compare(TensorSource tensor, TensorSource original, BooleanSupplier cancelled) {
        long rowLength = tensor.rowLength();
        long rows = tensor.rowCount();
        int rowsPerChunk = (int) Math.max(1, Math.min(rows, CHUNK_VALUES / rowLength));
        int chunkValues = Math.toIntExact(rowsPerChunk * rowLength);
        float[] decoded = new float[chunkValues];
        float[] reference = new float[chunkValues];
        Accumulator sum = new Accumulator();
        for (long row = 0; row < rows; row += rowsPerChunk) {
            if (row > 0 && cancelled.getAsBoolean()) {
                throw new CancellationException("benchmark cancelled while comparing " + tensor.name());
            }
            int n = (int) Math.min(rowsPerChunk, rows - row);
            readRows(tensor, row, n, decoded);
            readRows(original, row, n, reference);
            sum.add(reference, decoded, Math.toIntExact(n * rowLength));
        }
        return sum;
    }

    private static boolean decodable(GgmlType type) {
        return type.isFloat() || Quantizers.forType(type).isPresent();
    }

    /** Rows of any float or quantized type as float32: floats widen exactly, quantized blocks as ggml decodes them. */
    private static void readRows(TensorSource tensor, long firstRow, int rows, float[] dst) {
        GgmlType type = tensor.type();
        if (type.isFloat()) {
            FloatRows.read(tensor, firstRow, rows, dst);
            return;
        }
        Quantizer quantizer = Quantizers.require(type);
        long rowBytes = type.rowSize(tensor.rowLength());
        ByteBuffer bytes = tensor.bytes(firstRow * rowBytes, Math.toIntExact(rows * rowBytes));
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        quantizer.dequantize(raw, 0, dst, 0, Math.toIntExact(rows * tensor.rowLength()));
    }

    /** Sums in float64 over one tensor. */
    private static final class Accumulator {
        double squaredError;
        double squaredSource;
        double squaredVariant;
        double dot;
        double maxAbsError;
        long count;

        void add(float[] source, float[] variant, int n) {
            for (int i = 0; i < n; i++) {
                double s = source[i];
                double v = variant[i];
                double d = v - s;
                squaredError += d * d;
                squaredSource += s * s;
                squaredVariant += v * v;
                dot += s * v;
                maxAbsError = Math.max(maxAbsError, Math.abs(d));
            }
            count += n;
        }

        BenchmarkReport.TensorError error(TensorSource tensor, TensorSource original) {
            double rmse = Math.sqrt(squaredError / count);
            double sourceRms = Math.sqrt(squaredSource / count);
            double relative = sourceRms > 0 ? rmse / sourceRms : rmse;
            double cosine;
            if (squaredSource == 0 || squaredVariant == 0) {
                // Two zero tensors point the same way; a zero and a non-zero one share nothing.
                cosine = squaredSource == squaredVariant ? 1 : 0;
            } else {
                cosine = Math.max(-1, Math.min(1, dot / Math.sqrt(squaredSource * squaredVariant)));
            }
            return new BenchmarkReport.TensorError(tensor.name(), tensor.type().ggmlName(), original.type().ggmlName(),
                    count, rmse, relative, maxAbsError, cosine);
        }
    }
}
