package dev.quantforge.engine.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.quant.DecodedRows;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Writes a GGUF model tensor by tensor, converting each to its target type on several threads.
 * Memory stays at a few row batches whatever the model's size: source rows are read from memory
 * maps a batch at a time and each quantized batch is written before the next is read.
 * The output is byte-identical for every thread count, since rows are quantized independently.
 */
public final class ModelQuantizer {
    /** Source values one task converts at a time: 1 MiB of floats keeps batches cache-friendly. */
    private static final int FLOATS_PER_TASK = 1 << 18;
    private static final int TASKS_PER_THREAD = 4;

    private final int threads;
    private final QuantizeProgress progress;
    private final BooleanSupplier cancelled;

    private ModelQuantizer(int threads, QuantizeProgress progress, BooleanSupplier cancelled) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.progress = progress;
        this.cancelled = cancelled;
    }

    public static ModelQuantizer withThreads(int threads) {
        return new ModelQuantizer(threads, QuantizeProgress.NONE, () -> false);
    }

    public ModelQuantizer progress(QuantizeProgress listener) {
        return new ModelQuantizer(threads, listener, cancelled);
    }

    /** Checked before each tensor; when it answers true the run stops and no output is left. */
    public ModelQuantizer cancelWhen(BooleanSupplier check) {
        return new ModelQuantizer(threads, progress, check);
    }

    /**
     * Writes {@code jobs} to {@code output} as GGUF.
     *
     * @param source names the input in error messages
     */
    public QuantizeResult write(String source, Map<String, GgufValue> metadata, List<TensorJob> jobs, Path output) {
        try {
            return write(metadata, jobs, output);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(source + ": " + e.getMessage(), e);
        }
    }

    private QuantizeResult write(Map<String, GgufValue> metadata, List<TensorJob> jobs, Path output) {
        long started = System.nanoTime();
        List<GgufWriter.TensorSpec> specs = jobs.stream()
                .map(j -> new GgufWriter.TensorSpec(j.name(), j.source().shape(), j.target())).toList();
        long totalSourceBytes = jobs.stream().mapToLong(j -> j.source().byteSize()).sum();
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, daemonThreads()) : null;
        try (GgufWriter writer = GgufWriter.create(output, metadata, specs)) {
            long doneBefore = 0;
            for (int i = 0; i < jobs.size(); i++) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("cancelled before tensor " + jobs.get(i).name());
                }
                TensorJob job = jobs.get(i);
                progress.tensorStarted(i, jobs.size(), job);
                writer.beginTensor(job.name());
                if (job.isCopy()) {
                    copy(job.source(), writer, doneBefore, totalSourceBytes);
                } else {
                    convert(job, writer, pool, doneBefore, totalSourceBytes);
                }
                doneBefore += job.source().byteSize();
                progress.bytesProcessed(doneBefore, totalSourceBytes);
            }
            writer.commit();
            long tensorBytes = jobs.stream().mapToLong(TensorJob::targetBytes).sum();
            long parameters = jobs.stream().mapToLong(j -> j.source().elementCount()).sum();
            QuantizeResult result = new QuantizeResult(writer.target(), Files.size(writer.target()), tensorBytes,
                    parameters, jobs.size(), Duration.ofNanos(System.nanoTime() - started));
            progress.finished(result);
            return result;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private void copy(TensorSource source, GgufWriter writer, long doneBefore, long total) {
        long size = source.byteSize();
        int piece = 1 << 22;
        for (long done = 0; done < size; done += piece) {
            int n = (int) Math.min(piece, size - done);
            writer.write(source.bytes(done, n));
            progress.bytesProcessed(doneBefore + done + n, total);
        }
    }

    private void convert(TensorJob job, GgufWriter writer, ExecutorService pool, long doneBefore, long total) {
        TensorSource source = job.source();
        Quantizer quantizer = Quantizers.require(job.target());
        if (quantizer.requiresImportance() && job.importance() == null) {
            throw new InvalidInputException("tensor " + source.name() + ": " + job.target()
                    + " needs an importance matrix (--imatrix)");
        }
        int rowLength = Math.toIntExact(source.rowLength());
        long rowCount = source.rowCount();
        int rowsPerTask = Math.max(1, FLOATS_PER_TASK / rowLength);
        int rowsPerBatch = Math.toIntExact(Math.min(rowCount, (long) rowsPerTask * threads * TASKS_PER_THREAD));
        long targetRowBytes = job.target().rowSize(rowLength);
        long sourceRowBytes = source.type().rowSize(rowLength);
        byte[] batchOut = new byte[Math.toIntExact(targetRowBytes * rowsPerBatch)];
        for (long first = 0; first < rowCount; first += rowsPerBatch) {
            int rows = (int) Math.min(rowsPerBatch, rowCount - first);
            List<Runnable> tasks = new ArrayList<>();
            for (int r = 0; r < rows; r += rowsPerTask) {
                long taskFirst = first + r;
                int taskRows = Math.min(rowsPerTask, rows - r);
                int outOffset = Math.toIntExact(r * targetRowBytes);
                tasks.add(() -> convertRows(job, quantizer, taskFirst, taskRows, rowLength, batchOut, outOffset));
            }
            run(tasks, pool);
            writer.write(batchOut, 0, Math.toIntExact(rows * targetRowBytes));
            progress.bytesProcessed(doneBefore + (first + rows) * sourceRowBytes, total);
        }
    }

    private static void convertRows(TensorJob job, Quantizer quantizer, long firstRow, int rows, int rowLength,
                                    byte[] out, int outOffset) {
        TensorSource source = job.source();
        float[] values = new float[rows * rowLength];
        DecodedRows.read(source, firstRow, rows, values);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException("tensor " + source.name() + " holds " + values[i] + " at row "
                        + (firstRow + i / rowLength) + ", column " + (i % rowLength) + "; refusing to quantize it");
            }
        }
        quantizer.quantize(values, 0, rows, rowLength, job.importance(), out, outOffset);
    }

    private static void run(List<Runnable> tasks, ExecutorService pool) {
        if (pool == null || tasks.size() == 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks.size());
        tasks.forEach(t -> futures.add(pool.submit(t)));
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "quantize");
            t.setDaemon(true);
            return t;
        };
    }
}
