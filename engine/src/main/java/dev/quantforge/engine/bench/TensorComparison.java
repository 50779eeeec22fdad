package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.quant.DecodedRows;
import dev.quantforge.engine.tensor.Shapes;
import dev.quantforge.engine.tensor.TensorSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /**
     * Compares tensors on {@code threads} threads, one tensor per task; {@code progress} sees the
     * fraction 0..1 of variant weights compared so far.
     */
    static BenchmarkReport.TensorErrors compare(List<TensorSource> variant, ModelSource source, int threads,
                                                BooleanSupplier cancelled, DoubleConsumer progress) {
        Map<String, TensorSource> sourceByName = new HashMap<>();
        for (TensorSource t : source.tensors()) {
            sourceByName.put(t.name(), t);
        }
        List<Callable<Accumulator>> work = new ArrayList<>();
        for (TensorSource tensor : variant) {
            TensorSource original = sourceByName.get(tensor.name());
            if (original == null || !DecodedRows.canDecode(tensor.type()) || !DecodedRows.canDecode(original.type())) {
                work.add(() -> null);
                continue;
            }
            if (!Arrays.equals(tensor.shape(), original.shape())) {
                throw new InvalidInputException(source.description() + ": tensor " + tensor.name() + " has shape "
                        + Shapes.format(original.shape()) + " but the variant's has " + Shapes.format(tensor.shape())
                        + "; is this the variant's source?");
            }
            work.add(() -> compare(tensor, original, cancelled));
        }
        long totalValues = Math.max(1, variant.stream().mapToLong(TensorSource::elementCount).sum());
        long doneValues = 0;
        List<BenchmarkReport.TensorError> errors = new ArrayList<>();
        int notCompared = 0;
        double sumSquaredError = 0;
        double sumSquaredSource = 0;
        double maxAbsError = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), runnable -> {
            Thread thread = new Thread(runnable, "tensor-comparison");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Accumulator>> results = new ArrayList<>();
            work.forEach(w -> results.add(pool.submit(w)));
            for (int i = 0; i < variant.size(); i++) {
                TensorSource tensor = variant.get(i);
                Accumulator sum = outcome(results.get(i));
                if (sum == null) {
                    notCompared++;
                } else {
                    errors.add(sum.error(tensor, sourceByName.get(tensor.name())));
                    sumSquaredError += sum.squaredError;
                    sumSquaredSource += sum.squaredSource;
                    maxAbsError = Math.max(maxAbsError, sum.maxAbsError);
                }
                doneValues += tensor.elementCount();
                progress.accept((double) doneValues / totalValues);
            }
        } finally {
            pool.shutdownNow();
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

    /** A tensor's sums, or its task's failure as thrown by the task itself. */
    private static Accumulator outcome(Future<Accumulator> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while comparing tensors");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
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
            DecodedRows.read(tensor, row, n, decoded);
            DecodedRows.read(original, row, n, reference);
            sum.add(reference, decoded, Math.toIntExact(n * rowLength));
        }
        return sum;
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
