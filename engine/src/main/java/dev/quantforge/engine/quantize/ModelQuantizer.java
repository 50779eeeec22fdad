package dev.quantforge.engine.quantize;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.quant.DecodedRows;
import dev.quantforge.engine.quant.Quantizer;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.BooleanSupplier;

/**
 * Writes a GGUF model tensor by tensor, converting each to its target type on several threads.
 * Memory stays at a few row chunks whatever the model's size: source rows are read from memory
 * maps a chunk at a time, and at most {@link #TASKS_PER_THREAD} chunks per thread are quantized and not
 * yet written.
 * The output is byte-identical for every thread count, since rows are quantized independently.
 */
public final class ModelQuantizer {
    /**
     * Source values one task converts at a time (512 KiB of floats). Each worker keeps its task's values, their
     * F16 halves and the bytes read, so the size sets part of the peak RSS: at 2^18 a Q4_K_M run peaked 3-5 MB
     * higher, at the same CPU time.
     */
    private static final int FLOATS_PER_TASK = 1 << 17;
    /** Tasks in flight (submitted, not yet written) per thread: enough that no thread waits for the writer. */
    private static final int TASKS_PER_THREAD = 4;
    private static final int COPY_PIECE = 1 << 20;
    /**
     * Values at the start of a run that go one task at a time when the quantizing threads fill every core
     * ({@link SoloStart}): about 40 tasks. At 2 threads on 2 cores, Q3_K_S took 2.38 -> 2.31 s (16 alternated
     * rounds), Q4_1 and Q4_K_M the same; 2 M to 33 M values measured alike (docs/benchmark.md).
     */
    private static final long SOLO_VALUES = 5L << 20;

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
        announce(jobs);
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, daemonThreads()) : null;
        try (GgufWriter writer = GgufWriter.create(output, metadata, specs)) {
            InOrderWriter inOrder = new InOrderWriter(writer, jobs, totalSourceBytes,
                    pool == null ? 1 : threads * TASKS_PER_THREAD);
            SoloStart solo = new SoloStart(
                    pool != null && threads >= Runtime.getRuntime().availableProcessors() ? SOLO_VALUES : 0);
            try {
                for (int i = 0; i < jobs.size(); i++) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("cancelled before tensor " + jobs.get(i).name());
                    }
                    TensorJob job = jobs.get(i);
                    if (job.isCopy() || job.source().rowCount() == 0) {
                        inOrder.add(new Step(i, true, null, 0, 0));
                    } else {
                        submit(i, job, inOrder, pool, solo);
                    }
                }
                inOrder.drain(0);
            } catch (RuntimeException e) {
                inOrder.cancel();
                throw e;
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

    /** Tells each quantizer how many values the plan brings it, before the first of them ({@link Quantizer#expect}). */
    private static void announce(List<TensorJob> jobs) {
        for (TensorJob job : jobs) {
            if (!job.isCopy()) {
                Quantizers.forType(job.target())
                        .ifPresent(q -> q.expect(job.source().elementCount(), job.importance() != null));
            }
        }
    }

    /**
     * Hands a tensor's rows to the pool in tasks of about {@link #FLOATS_PER_TASK} values. Tasks of the next
     * tensors are submitted while this one's are still running, and the calling thread writes finished tasks
     * in order meanwhile: no thread waits for the slowest task of a batch or a tensor, and writing overlaps
     * the quantizing.
     */
    private void submit(int index, TensorJob job, InOrderWriter inOrder, ExecutorService pool, SoloStart solo) {
        TensorSource source = job.source();
        Quantizer quantizer = Quantizers.require(job.target());
        if (quantizer.requiresImportance() && job.importance() == null) {
            throw new InvalidInputException("tensor " + source.name() + ": " + job.target()
                    + " needs an importance matrix (--imatrix)");
        }
        int rowLength = Math.toIntExact(source.rowLength());
        long rowCount = source.rowCount();
        int rowsPerTask = Math.max(1, FLOATS_PER_TASK / rowLength);
        long targetRowBytes = job.target().rowSize(rowLength);
        long sourceRowBytes = source.type().rowSize(rowLength);
        for (long first = 0; first < rowCount; first += rowsPerTask) {
            long taskFirst = first;
            int rows = (int) Math.min(rowsPerTask, rowCount - first);
            int length = Math.toIntExact(rows * targetRowBytes);
            inOrder.makeRoom();
            byte[] out = inOrder.buffer(length);
            Callable<byte[]> task = () -> {
                convertRows(job, quantizer, taskFirst, rows, rowLength, out, 0);
                return out;
            };
            inOrder.add(new Step(index, first == 0, run(solo.next(task, (long) rows * rowLength), pool), length,
                    (first + rows) * sourceRowBytes));
        }
    }

    /** One piece of the output in file order: a task's quantized rows, or (no chunk) a whole tensor to copy. */
    private record Step(int tensor, boolean firstOfTensor, Future<byte[]> chunk, int length, long sourceBytesDone) {
    }

    /**
     * The steps not yet written, oldest first, and the output buffers of written ones for reuse. Used by the
     * writing thread only; a task's buffer is handed to it before it starts and back after its future is done.
     */
    private final class InOrderWriter {
        private final GgufWriter writer;
        private final List<TensorJob> jobs;
        private final long totalSourceBytes;
        private final int window;
        private final ArrayDeque<Step> pending = new ArrayDeque<>();
        private final ArrayDeque<byte[]> freeBuffers = new ArrayDeque<>();
        private long doneBefore;
        private ByteBuffer copyBuffer;

        InOrderWriter(GgufWriter writer, List<TensorJob> jobs, long totalSourceBytes, int window) {
            this.writer = writer;
            this.jobs = jobs;
            this.totalSourceBytes = totalSourceBytes;
            this.window = window;
        }

        void add(Step step) {
            pending.addLast(step);
            if (step.chunk() == null) {
                // a copy is written when its turn comes; it holds no task, so it need not wait for room
                return;
            }
            drainDone();
        }

        /** Writes the oldest steps until fewer than the window's tasks are in flight. */
        void makeRoom() {
            drain(window - 1);
        }

        byte[] buffer(int length) {
            byte[] b = freeBuffers.pollFirst();
            return b != null && b.length >= length ? b : new byte[length];
        }

        /** Writes steps from the oldest on while they are finished, without waiting. */
        private void drainDone() {
            while (!pending.isEmpty() && (pending.peekFirst().chunk() == null || pending.peekFirst().chunk().isDone())) {
                writeOldest();
            }
        }

        /** Writes the oldest steps, waiting for them, until at most {@code left} tasks are in flight. */
        void drain(int left) {
            while (inFlight() > left || (!pending.isEmpty() && pending.peekFirst().chunk() == null)) {
                writeOldest();
            }
        }

        private int inFlight() {
            int n = 0;
            for (Step s : pending) {
                if (s.chunk() != null) {
                    n++;
                }
            }
            return n;
        }

        private void writeOldest() {
            Step step = pending.removeFirst();
            TensorJob job = jobs.get(step.tensor());
            if (step.firstOfTensor()) {
                progress.tensorStarted(step.tensor(), jobs.size(), job);
                writer.beginTensor(job.name());
            }
            if (step.chunk() == null) {
                copy(job.source());
                finishTensor(job);
                return;
            }
            byte[] out = await(step.chunk());
            writer.write(out, 0, step.length());
            freeBuffers.addLast(out);
            long done = doneBefore + step.sourceBytesDone();
            if (step.sourceBytesDone() == job.source().byteSize()) {
                finishTensor(job);
            } else {
                progress.bytesProcessed(done, totalSourceBytes);
            }
        }

        /** Copies a tensor's bytes as they are, through one reused buffer (read, not mapped: see TensorSource). */
        private void copy(TensorSource source) {
            long size = source.byteSize();
            if (copyBuffer == null) {
                copyBuffer = ByteBuffer.allocateDirect(COPY_PIECE);
            }
            for (long done = 0; done < size; ) {
                copyBuffer.clear().limit((int) Math.min(COPY_PIECE, size - done));
                source.read(done, copyBuffer);
                copyBuffer.flip();
                done += copyBuffer.remaining();
                writer.write(copyBuffer);
                progress.bytesProcessed(doneBefore + done, totalSourceBytes);
            }
        }

        private void finishTensor(TensorJob job) {
            doneBefore += job.source().byteSize();
            progress.bytesProcessed(doneBefore, totalSourceBytes);
        }

        void cancel() {
            pending.forEach(s -> {
                if (s.chunk() != null) {
                    s.chunk().cancel(true);
                }
            });
            pending.clear();
        }
    }

    /** Each thread's source values, reused from task to task: a fresh megabyte per task kept the collector busy. */
    private static final ThreadLocal<float[]> VALUES = ThreadLocal.withInitial(() -> new float[0]);

    private static void convertRows(TensorJob job, Quantizer quantizer, long firstRow, int rows, int rowLength,
                                    byte[] out, int outOffset) {
        TensorSource source = job.source();
        int count = rows * rowLength;
        float[] values = VALUES.get();
        if (values.length < count) {
            values = new float[count];
            VALUES.set(values);
        }
        if (!DecodedRows.read(source, firstRow, rows, values)) {
            for (int i = 0; i < count; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new InvalidInputException("tensor " + source.name() + " holds " + values[i] + " at row "
                            + (firstRow + i / rowLength) + ", column " + (i % rowLength) + "; refusing to quantize it");
                }
            }
        }
        quantizer.quantize(values, 0, rows, rowLength, job.importance(), out, outOffset);
    }

    /** Runs the task on the pool, or at once on this thread when there is no pool. */
    private static Future<byte[]> run(Callable<byte[]> task, ExecutorService pool) {
        if (pool != null) {
            return pool.submit(task);
        }
        FutureTask<byte[]> now = new FutureTask<>(task);
        now.run();
        return now;
    }

    private static byte[] await(Future<byte[]> chunk) {
        try {
            return chunk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
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
