package dev.quantforge.engine.onnx;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.tensor.TensorSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes initializers into the external data file ({@code model.onnx.data}) one after the other, each
 * streamed through bounded buffers: a weight is read from the checkpoint in tiles of rows, converted,
 * transposed or quantized, and written; the heap never holds a whole tensor. Offsets of tensors of
 * 1 MiB and more are aligned to 4096 bytes (ONNX's advice, so ONNX Runtime can map them), smaller ones to 64.
 */
final class WeightWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 16 << 20;
    private static final long PAGE = 4096;

    private final FileChannel channel;
    private final String location;
    private long position;
    private long tensorBytes;
    private long parameters;
    private int tensors;

    WeightWriter(Path file) {
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
        this.location = file.getFileName().toString();
    }

    long tensorBytes() {
        return tensorBytes;
    }

    long parameters() {
        return parameters;
    }

    int tensors() {
        return tensors;
    }

    /** A 1-D or row-major tensor copied as it is stored (rows of the checkpoint), as float32 or float16. */
    OnnxGraph.Initializer rows(String name, TensorSource source, OnnxDataType type, long[] dims) {
        int k = Math.toIntExact(source.rowLength());
        long rows = source.rowCount();
        int tile = (int) Math.max(1, Math.min(rows, BUFFER_BYTES / 4 / k));
        float[] buffer = new float[tile * k];
        long begin = begin((long) k * rows * type.size());
        ByteBuffer out = ByteBuffer.allocate(tile * k * type.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (long r = 0; r < rows; r += tile) {
            int n = (int) Math.min(tile, rows - r);
            FloatRows.read(source, r, n, buffer);
            out.clear();
            put(out, buffer, n * k, type);
            out.flip();
            write(out);
        }
        parameters += (long) k * rows;
        return finish(name, type, dims, begin);
    }

    /** A Hugging Face weight {@code [N, K]} written as MatMul's B {@code [K, N]}, as float32 or float16. */
    OnnxGraph.Initializer transposed(String name, TensorSource source, OnnxDataType type) {
        int k = Math.toIntExact(source.rowLength());
        int n = Math.toIntExact(source.rowCount());
        long begin = begin((long) k * n * type.size());
        transpose(source, k, n, type.size(), (buffer, row, column, value) -> putElement(buffer, value, type));
        parameters += (long) k * n;
        return finish(name, type, new long[]{k, n}, begin);
    }

    /** int8 per output channel: the quantized B {@code [K, N]} and its scales {@code [N]}. */
    OnnxGraph.Initializer[] int8(String name, TensorSource source) {
        int k = Math.toIntExact(source.rowLength());
        int n = Math.toIntExact(source.rowCount());
        float[] scales = new float[n];
        int tile = Math.max(1, Math.min(n, BUFFER_BYTES / 4 / k));
        float[] rows = new float[tile * k];
        for (int r = 0; r < n; r += tile) {
            int count = Math.min(tile, n - r);
            FloatRows.read(source, r, count, rows);
            for (int i = 0; i < count; i++) {
                scales[r + i] = Int8Channels.scale(rows, i * k, k);
            }
        }
        long begin = begin((long) k * n);
        transpose(source, k, n, 1, (buffer, row, column, value) -> buffer.put(Int8Channels.quantize(value, scales[column])));
        parameters += (long) k * n;
        OnnxGraph.Initializer weights = finish(name + "_quantized", OnnxDataType.INT8, new long[]{k, n}, begin);
        OnnxGraph.Initializer scale = floats(name + "_scale", scales, new long[]{n});
        return new OnnxGraph.Initializer[]{weights, scale};
    }

    /**
     * int4 blocks for MatMulNBits: B {@code [N, blocks, blockSize/2]} uint8, scales {@code [N * blocks]}
     * in {@code scaleType} (float32, or float16 for float16 activations: MatMulNBits' T1 is both A's and the
     * scales' type) and, when asymmetric, zero points {@code [N * ceil(blocks/2)]} uint8 (the shapes ONNX
     * Runtime's quantizer gives them).
     */
    OnnxGraph.Initializer[] int4(String name, TensorSource source, int blockSize, boolean symmetric, OnnxDataType scaleType) {
        boolean half = scaleType == OnnxDataType.FLOAT16;
        int k = Math.toIntExact(source.rowLength());
        int n = Math.toIntExact(source.rowCount());
        int blocks = Int4Blocks.blocks(k, blockSize);
        int columnBytes = Int4Blocks.columnBytes(k, blockSize);
        int zpBytes = Int4Blocks.zeroPointBytes(k, blockSize);
        float[] scales = new float[n * blocks];
        byte[] zeroPoints = symmetric ? null : new byte[n * zpBytes];
        int tile = Math.max(1, Math.min(n, BUFFER_BYTES / 4 / k));
        float[] rows = new float[tile * k];
        byte[] packed = new byte[tile * columnBytes];
        long begin = begin((long) n * columnBytes);
        for (int r = 0; r < n; r += tile) {
            int count = Math.min(tile, n - r);
            FloatRows.read(source, r, count, rows);
            for (int i = 0; i < count; i++) {
                Int4Blocks.quantizeColumn(rows, i * k, k, blockSize, symmetric, half, packed, i * columnBytes,
                        scales, (r + i) * blocks, zeroPoints, (r + i) * zpBytes);
            }
            write(ByteBuffer.wrap(packed, 0, count * columnBytes));
        }
        parameters += (long) k * n;
        OnnxGraph.Initializer weights = finish(name + "_Q4", OnnxDataType.UINT8, new long[]{n, blocks, blockSize / 2}, begin);
        OnnxGraph.Initializer scale = floats(name + "_scales", scales, new long[]{(long) n * blocks}, scaleType);
        if (symmetric) {
            return new OnnxGraph.Initializer[]{weights, scale};
        }
        long zpBegin = begin(zeroPoints.length);
        write(ByteBuffer.wrap(zeroPoints));
        return new OnnxGraph.Initializer[]{weights, scale,
                finish(name + "_zero_points", OnnxDataType.UINT8, new long[]{zeroPoints.length}, zpBegin)};
    }

    /** A float32 vector or table computed here (scales). */
    OnnxGraph.Initializer floats(String name, float[] values, long[] dims) {
        return floats(name, values, dims, OnnxDataType.FLOAT);
    }

    /** A vector or table computed here (scales), as float32 or float16. */
    OnnxGraph.Initializer floats(String name, float[] values, long[] dims, OnnxDataType type) {
        long begin = begin((long) type.size() * values.length);
        ByteBuffer out = ByteBuffer.allocate(type.size() * values.length).order(ByteOrder.LITTLE_ENDIAN);
        put(out, values, values.length, type);
        out.flip();
        write(out);
        return finish(name, type, dims, begin);
    }

    @FunctionalInterface
    private interface ElementSink {
        void put(ByteBuffer buffer, int row, int column, float value);
    }

    /**
     * Writes source {@code [n rows, k columns]} as {@code [k, n]}: a band of output rows at a time (at most
     * {@link #BUFFER_BYTES}), filled from tiles of source rows, so memory stays bounded whatever the shape.
     */
    private void transpose(TensorSource source, int k, int n, int elementSize, ElementSink sink) {
        int band = (int) Math.max(1, Math.min(k, BUFFER_BYTES / ((long) n * elementSize)));
        int tile = Math.max(1, Math.min(n, BUFFER_BYTES / 4 / k));
        float[] rows = new float[tile * k];
        ByteBuffer out = ByteBuffer.allocate(band * n * elementSize).order(ByteOrder.LITTLE_ENDIAN);
        for (int k0 = 0; k0 < k; k0 += band) {
            int bandRows = Math.min(band, k - k0);
            for (int r = 0; r < n; r += tile) {
                int count = Math.min(tile, n - r);
                FloatRows.read(source, r, count, rows);
                for (int i = 0; i < count; i++) {
                    int column = r + i;
                    for (int j = 0; j < bandRows; j++) {
                        out.position((j * n + column) * elementSize);
                        sink.put(out, k0 + j, column, rows[i * k + k0 + j]);
                    }
                }
            }
            out.position(0).limit(bandRows * n * elementSize);
            write(out);
            out.clear();
        }
    }

    private static void put(ByteBuffer out, float[] values, int count, OnnxDataType type) {
        for (int i = 0; i < count; i++) {
            putElement(out, values[i], type);
        }
    }

    private static void putElement(ByteBuffer out, float value, OnnxDataType type) {
        if (type == OnnxDataType.FLOAT16) {
            out.putShort(Fp16.fromFloat(value));
        } else {
            out.putFloat(value);
        }
    }

    private long begin(long bytes) {
        long alignment = bytes >= (1 << 20) ? PAGE : 64;
        long aligned = (position + alignment - 1) / alignment * alignment;
        if (aligned > position) {
            write(ByteBuffer.allocate((int) (aligned - position)));
        }
        return position;
    }

    private OnnxGraph.Initializer finish(String name, OnnxDataType type, long[] dims, long begin) {
        long length = position - begin;
        tensorBytes += length;
        tensors++;
        return new OnnxGraph.Initializer(name, type, dims, null, location, begin, length);
    }

    private void write(ByteBuffer buffer) {
        try {
            while (buffer.hasRemaining()) {
                position += channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + location, e);
        }
    }

    long size() {
        return position;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + location, e);
        }
    }
}
