package dev.quantforge.engine.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunnableSourceTest {
    @TempDir
    Path dir;

    @Test
    void aGgufSourceIsItself() {
        Path gguf = StoriesVariants.f32Source(dir);
        assertEquals(gguf, RunnableSource.gguf(gguf, dir.resolve("scratch")));
        assertTrue(Files.notExists(dir.resolve("scratch")));
    }

    @Test
    void aCheckpointIsConvertedAtItsOwnPrecision() {
        assertEquals(Set.of(GgmlType.F32), types(RunnableSource.gguf(Models.stories260K(), dir.resolve("f32"))));
        Set<GgmlType> bf16 = types(RunnableSource.gguf(Models.stories260K().resolve("model-bf16"), dir.resolve("bf16")));
        assertTrue(bf16.contains(GgmlType.BF16), bf16.toString());
        assertTrue(bf16.stream().allMatch(t -> t == GgmlType.BF16 || t == GgmlType.F32), bf16.toString());
    }

    @Test
    void anythingElseIsRefused() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertTrue(assertThrows(InvalidInputException.class, () -> RunnableSource.gguf(text, dir))
                .getMessage().contains("not a GGUF file"));
        Path missing = dir.resolve("absent.gguf");
        assertTrue(assertThrows(InvalidInputException.class, () -> RunnableSource.gguf(missing, dir))
                .getMessage().contains("no such file"));
    }

    private static Set<GgmlType> types(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return file.tensorInfos().stream().map(GgufTensorInfo::type).collect(Collectors.toSet());
        }
    }
}
