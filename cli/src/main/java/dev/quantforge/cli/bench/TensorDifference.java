package dev.quantforge.cli.bench;

import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The first way two GGUF files' tensors differ (names, order, types, shapes, bytes), or none. */
final class TensorDifference {
    private static final int CHUNK = 64 << 20;

    private TensorDifference() {
    }

    static Optional<String> between(Path expected, Path actual) {
        try (GgufFile a = GgufFile.open(expected); GgufFile b = GgufFile.open(actual)) {
            List<GgufTensorInfo> left = a.tensorInfos();
            List<GgufTensorInfo> right = b.tensorInfos();
            if (left.size() != right.size()) {
                return Optional.of(left.size() + " tensors vs " + right.size());
            }
            for (int i = 0; i < left.size(); i++) {
                GgufTensorInfo x = left.get(i);
                GgufTensorInfo y = right.get(i);
                if (!x.name().equals(y.name()) || x.type() != y.type() || !Arrays.equals(x.shape(), y.shape())) {
                    return Optional.of("tensor " + i + ": " + x.name() + " " + x.type() + " vs " + y.name() + " " + y.type());
                }
                for (long offset = 0; offset < x.byteSize(); offset += CHUNK) {
                    int length = (int) Math.min(CHUNK, x.byteSize() - offset);
                    ByteBuffer p = a.map(x, offset, length);
                    ByteBuffer q = b.map(y, offset, length);
                    if (p.mismatch(q) >= 0) {
                        return Optional.of(x.name() + " (" + x.type() + "): bytes differ at " + (offset + p.mismatch(q)));
                    }
                }
            }
            return Optional.empty();
        }
    }
}
