package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A small ONNX model written byte by byte for the quantizer's tests: {@code Y = MatMul(X[2,8], W[8,6])} (node "mm"),
 * {@code E = Gather(T[10,8], ids)} (node "emb"), {@code F = Relu(E)}, {@code C = Conv(Z[1,1,4,4], K[1,1,2,2])}
 * (node "conv"); outputs Y, E, F and C. W's column 5 is all zeros, column 4 all negative.
 */
final class TinyOnnx {
    static final int K = 8;
    static final int N = 6;

    final float[] w = new float[K * N];
    final float[] table = new float[10 * 8];
    final float[] kernel = {0.5f, -0.25f, 1f, 0.75f};

    TinyOnnx(long seed) {
        Random r = new Random(seed);
        for (int k = 0; k < K; k++) {
            for (int n = 0; n < N; n++) {
                float v = (float) r.nextGaussian() * (n + 1) * 0.1f;
                w[k * N + n] = n == 5 ? 0f : n == 4 ? -Math.abs(v) - 0.01f : v;
            }
        }
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) r.nextGaussian();
        }
    }

    /** Writes the model (opset {@code opset}); with {@code external}, W and T go to {@code name.data}. */
    Path write(Path file, long opset, boolean external) {
        return write(file, opset, external, false);
    }

    /** With {@code initializersAsInputs}, W, T and KW are also graph inputs, as IR < 4 models list them. */
    Path write(Path file, long opset, boolean external, boolean initializersAsInputs) {
        ProtoWriter graph = new ProtoWriter();
        graph.message(1, node("mm", "MatMul", new String[]{"X", "W"}, "Y"));
        graph.message(1, node("emb", "Gather", new String[]{"T", "ids"}, "E"));
        graph.message(1, node("relu", "Relu", new String[]{"E"}, "F"));
        graph.message(1, node("conv", "Conv", new String[]{"Z", "KW"}, "C"));
        graph.string(2, "tiny");
        ByteBuffer data = ByteBuffer.allocate(4 * (w.length + table.length)).order(ByteOrder.LITTLE_ENDIAN);
        String dataName = file.getFileName() + ".data";
        graph.message(5, floats("W", new long[]{K, N}, w, external ? dataName : null, data));
        graph.message(5, floats("T", new long[]{10, 8}, table, external ? dataName : null, data));
        graph.message(5, floats("KW", new long[]{1, 1, 2, 2}, kernel, null, null));
        graph.message(11, value("X", 1, 2, K));
        graph.message(11, value("ids", 7, 3));
        graph.message(11, value("Z", 1, 1, 1, 4, 4));
        if (initializersAsInputs) {
            graph.message(11, value("W", 1, K, N));
            graph.message(11, value("T", 1, 10, 8));
            graph.message(11, value("KW", 1, 1, 1, 2, 2));
        }
        graph.message(12, value("Y", 1, 2, N));
        graph.message(12, value("E", 1, 3, 8));
        graph.message(12, value("F", 1, 3, 8));
        graph.message(12, value("C", 1, 1, 1, 3, 3));
        ProtoWriter model = new ProtoWriter().int64(1, 8).string(2, "test").string(3, "1");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, opset));
        try {
            Files.write(file, model.toByteArray());
            if (external) {
                Files.write(file.resolveSibling(dataName), java.util.Arrays.copyOf(data.array(), data.position()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static ProtoWriter node(String name, String op, String[] inputs, String output) {
        ProtoWriter p = new ProtoWriter();
        for (String i : inputs) {
            p.string(1, i);
        }
        return p.string(2, output).string(3, name).string(4, op);
    }

    private static ProtoWriter floats(String name, long[] dims, float[] values, String location, ByteBuffer data) {
        ProtoWriter p = new ProtoWriter();
        for (long d : dims) {
            p.int64(1, d);
        }
        p.int64(2, 1).string(8, name);
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        if (location == null) {
            return p.bytes(9, b.array());
        }
        long offset = data.position();
        data.put(b.array());
        p.message(13, new ProtoWriter().string(1, "location").string(2, location));
        p.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
        p.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(4L * values.length)));
        return p.int64(14, 1);
    }

    private static ProtoWriter value(String name, int type, long... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            shape.message(1, new ProtoWriter().int64(1, d));
        }
        ProtoWriter tensor = new ProtoWriter().int64(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }
}
