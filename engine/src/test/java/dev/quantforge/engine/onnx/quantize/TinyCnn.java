package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.ProtoWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A small CNN written byte by byte for the static QDQ tests (opset 13):
 * {@code C = Conv(X[1,1,6,6], CW[2,1,3,3], CB[2])} → {@code P = MaxPool(C, 2x2, stride 2)} →
 * {@code F = Reshape(P, [1, 8])} → {@code G = Gemm(F, GW[4,8], GB[4], transB=1, beta=0.5)} →
 * {@code A = Add(G, AC[4])} → {@code M = Mul(A, A)} (graph output) → {@code R = Relu(M)} (graph output); and
 * {@code S2 = Mul(Shape(X), TWO)} (int64, graph output), arithmetic on a non-float tensor.
 */
final class TinyCnn {
    final float[] convWeight = new float[2 * 9];
    final float[] convBias = {0.25f, -0.4f};
    final float[] gemmWeight = new float[4 * 8];
    final float[] gemmBias = {0.1f, -0.2f, 0.3f, 0.05f};
    final float[] addConstant = {0.5f, -0.25f, 0.125f, 1f};

    TinyCnn(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < convWeight.length; i++) {
            convWeight[i] = (float) r.nextGaussian() * 0.5f;
        }
        for (int i = 0; i < gemmWeight.length; i++) {
            gemmWeight[i] = (float) r.nextGaussian() * (1 + i / 8) * 0.2f;
        }
    }

    Path write(Path file) {
        return write(file, 13);
    }

    Path write(Path file, long opset) {
        ProtoWriter graph = new ProtoWriter();
        graph.message(1, node("conv", "Conv", new String[]{"X", "CW", "CB"}, "C"));
        graph.message(1, node("pool", "MaxPool", new String[]{"C"}, "P")
                .message(5, ints("kernel_shape", 2, 2)).message(5, ints("strides", 2, 2)));
        graph.message(1, node("flat", "Reshape", new String[]{"P", "SHAPE"}, "F"));
        graph.message(1, node("fc", "Gemm", new String[]{"F", "GW", "GB"}, "G")
                .message(5, new ProtoWriter().string(1, "transB").int64(3, 1).int64(20, 2))
                .message(5, new ProtoWriter().string(1, "beta").float32(2, 0.5f).int64(20, 1)));
        graph.message(1, node("add", "Add", new String[]{"G", "AC"}, "A"));
        graph.message(1, node("square", "Mul", new String[]{"A", "A"}, "M"));
        graph.message(1, node("relu", "Relu", new String[]{"M"}, "R"));
        graph.message(1, node("shape", "Shape", new String[]{"X"}, "S"));
        graph.message(1, node("double", "Mul", new String[]{"S", "TWO"}, "S2"));
        graph.string(2, "tiny-cnn");
        graph.message(5, floats("CW", new long[]{2, 1, 3, 3}, convWeight));
        graph.message(5, floats("CB", new long[]{2}, convBias));
        graph.message(5, int64s("SHAPE", 1, 8));
        graph.message(5, floats("GW", new long[]{4, 8}, gemmWeight));
        graph.message(5, floats("GB", new long[]{4}, gemmBias));
        graph.message(5, floats("AC", new long[]{4}, addConstant));
        graph.message(5, int64s("TWO", 2));
        graph.message(11, value("X", 1, 1, 1, 6, 6));
        graph.message(12, value("M", 1, 1, 4));
        graph.message(12, value("R", 1, 1, 4));
        graph.message(12, value("S2", 7, 4));
        ProtoWriter model = new ProtoWriter().int64(1, 8).string(2, "test").string(3, "1");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, opset));
        try {
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** {@code n} inputs X drawn from N(0, 1) (seeded), as the values of a float32 [n, 1, 6, 6] array. */
    static float[] inputs(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 36];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Writes arrays as numpy.savez does: a zip of {@code NAME.npy} members; arguments name, descr, shape, bytes. */
    static Path npz(Path file, Object... nameDescrShapeData) {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < nameDescrShapeData.length; i += 4) {
                zip.putNextEntry(new ZipEntry(nameDescrShapeData[i] + ".npy"));
                zip.write(npy((String) nameDescrShapeData[i + 1], (long[]) nameDescrShapeData[i + 2],
                        (byte[]) nameDescrShapeData[i + 3], false));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A .npy of format 1.0 with numpy's header layout (padded so the data starts at a multiple of 64). */
    static byte[] npy(String descr, long[] shape, byte[] data, boolean fortran) {
        String dims = shape.length == 1 ? shape[0] + ","
                : String.join(", ", Arrays.stream(shape).mapToObj(Long::toString).toList());
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': "
                + (fortran ? "True" : "False") + ", 'shape': (" + dims + "), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    static byte[] le(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static ProtoWriter node(String name, String op, String[] inputs, String output) {
        ProtoWriter p = new ProtoWriter();
        for (String i : inputs) {
            p.string(1, i);
        }
        return p.string(2, output).string(3, name).string(4, op);
    }

    private static ProtoWriter ints(String name, long... values) {
        ProtoWriter p = new ProtoWriter().string(1, name);
        for (long v : values) {
            p.int64(8, v);
        }
        return p.int64(20, 7);
    }

    private static ProtoWriter floats(String name, long[] dims, float[] values) {
        ProtoWriter p = new ProtoWriter();
        for (long d : dims) {
            p.int64(1, d);
        }
        return p.int64(2, 1).string(8, name).bytes(9, le(values));
    }

    private static ProtoWriter int64s(String name, long... values) {
        ProtoWriter p = new ProtoWriter().int64(1, values.length).int64(2, 7).string(8, name);
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return p.bytes(9, b.array());
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
