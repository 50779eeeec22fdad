package dev.quantforge.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartialFilesTest {

    @Test
    void eachCallCreatesANewHiddenFileBesideTheTarget(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model.gguf");
        Path first = PartialFiles.createBeside(target);
        Path second = PartialFiles.createBeside(target);

        assertNotEquals(first, second);
        for (Path partial : new Path[] {first, second}) {
            assertEquals(dir, partial.getParent());
            String name = partial.getFileName().toString();
            assertTrue(name.startsWith(".model.gguf." + ProcessHandle.current().pid() + "-") && name.endsWith(".partial"), name);
            assertEquals(0, Files.size(partial));
        }
    }

    @Test
    void writeReplacesTheTargetAndLeavesNothingBeside(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("sub/manifest.json");
        PartialFiles.write(target, new byte[] {1, 2, 3});
        PartialFiles.write(target, new byte[] {4, 5});

        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void contentThatFailsLeavesTheTargetAsItWasAndNothingBeside(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("blob");
        PartialFiles.write(target, new byte[] {1, 2, 3});

        IOException failure = assertThrows(IOException.class, () -> PartialFiles.write(target, out -> {
            out.write(new byte[] {9, 9});
            throw new IOException("source changed");
        }));

        assertEquals("source changed", failure.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void aPartialFileHasThePermissionsOfAnyNewFile(@TempDir Path dir) throws Exception {
        Path partial = PartialFiles.createBeside(dir.resolve("model.gguf"));
        Path plain = Files.createFile(dir.resolve("plain"));

        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(partial));
    }
}
