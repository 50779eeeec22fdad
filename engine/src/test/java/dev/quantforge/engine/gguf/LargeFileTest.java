package dev.quantforge.engine.gguf;

import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.FloatRows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tensors stored beyond 2 GiB and tensors larger than 2 GiB read correctly (sparse file, no disk cost). */
class LargeFileTest {

    @TempDir
    Path dir;

    @Test
    void readsTensorsBeyondTwoGigabytes() throws IOException {
        long bigRows = 150_000;
        long bigBytes = 4096L * bigRows * 4; // 2.46 GB of F32
        Path file = dir.resolve("big.gguf");
        ByteBuffer header = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(GgufFile.MAGIC).putInt(3).putLong(2).putLong(0);
        tensorInfo(header, "big.weight", new long[]{4096, bigRows}, GgmlType.F32, 0);
        tensorInfo(header, "small.weight", new long[]{8, 2}, GgmlType.F32, bigBytes);
        long dataOffset = GgufFile.align(header.position(), 32);
        float[] small = {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, 1e-3f};
        ByteBuffer smallBytes = ByteBuffer.allocate(small.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        smallBytes.asFloatBuffer().put(small);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header.array(), 0, header.position());
            raf.setLength(dataOffset + bigBytes + small.length * 4L);
            raf.seek(dataOffset + bigBytes);
            raf.write(smallBytes.array());
        }

        try (GgufFile gguf = GgufFile.open(file)) {
            GgufTensorInfo big = gguf.tensorInfo("big.weight").orElseThrow();
            assertEquals(bigBytes, big.byteSize());
            float[] lastRow = new float[4096];
            FloatRows.read(gguf.source(big), bigRows - 1, 1, lastRow);
            assertArrayEquals(new float[4096], lastRow);
            float[] values = new float[small.length];
            FloatRows.read(gguf.source(gguf.tensorInfo("small.weight").orElseThrow()), 0, 2, values);
            assertArrayEquals(small, values);
        }
    }

    private static void tensorInfo(ByteBuffer out, String name, long[] shape, GgmlType type, long offset) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        out.putLong(bytes.length).put(bytes).putInt(shape.length);
        for (long d : shape) {
            out.putLong(d);
        }
        out.putInt(type.id()).putLong(offset);
    }
}
