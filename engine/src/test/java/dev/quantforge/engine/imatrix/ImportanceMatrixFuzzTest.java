package dev.quantforge.engine.imatrix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** An imatrix file of any bytes (llama.cpp's GGUF layout) is read, or refused in one line. */
class ImportanceMatrixFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void read(byte[] input) throws IOException {
        Path file = FuzzInputs.file("imatrix.gguf", input);
        FuzzInputs.typedErrorOnly(() -> ImportanceMatrix.read(file).provenance());
    }

    @Test
    void theSeedsAreValidImportanceMatrices() {
        for (Path seed : FuzzInputs.seeds(getClass(), "read")) {
            ImportanceMatrix matrix = ImportanceMatrix.read(seed);
            assertTrue(matrix.size() > 0 && !matrix.provenance().isEmpty(), seed.toString());
        }
    }
}
