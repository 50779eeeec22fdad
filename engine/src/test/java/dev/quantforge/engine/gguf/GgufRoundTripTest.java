package dev.quantforge.engine.gguf;

import dev.quantforge.engine.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GgufRoundTripTest {

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> rewritingAGoldenFileKeepsEveryByte() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(Golden.ggml("MANIFEST.json").getParent())) {
            files = list.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            Path out = tmp.resolve(file.getFileName());
            try (GgufFile in = GgufFile.open(file)) {
                List<GgufWriter.TensorSpec> specs = in.tensorInfos().stream()
                        .map(t -> new GgufWriter.TensorSpec(t.name(), t.shape(), t.type())).toList();
                try (GgufWriter writer = GgufWriter.create(out, in.metadata(), specs)) {
                    for (GgufTensorInfo t : in.tensorInfos()) {
                        writer.copyTensor(t.name(), (offset, length) -> in.map(t, offset, length));
                    }
                    writer.commit();
                }
            }
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), file.getFileName() + " changed");
        }));
    }

    @TestFactory
    Stream<DynamicTest> readingATensorGivesTheBytesMappingDoes() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(Golden.ggml("MANIFEST.json").getParent())) {
            files = list.filter(p -> p.toString().endsWith(".gguf")).sorted().limit(3).toList();
        }
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            try (GgufFile in = GgufFile.open(file)) {
                for (GgufTensorInfo t : in.tensorInfos()) {
                    int size = Math.toIntExact(t.byteSize());
                    int from = size / 3;
                    ByteBuffer read = ByteBuffer.allocate(size - from);
                    in.source(t).read(from, read);
                    assertEquals(in.map(t, from, size - from), read.flip(), t.name());
                    assertThrows(IndexOutOfBoundsException.class, () -> in.read(t, from, ByteBuffer.allocate(size)),
                            "a read past the tensor's end");
                }
            }
        }));
    }
}
