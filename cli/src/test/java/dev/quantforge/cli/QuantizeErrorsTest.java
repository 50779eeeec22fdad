package dev.quantforge.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input ends with one line naming the file and the problem, a non-zero exit, and no output file. */
class QuantizeErrorsTest {

    @TempDir
    Path dir;
    Path model;
    Path output;

    @BeforeEach
    void writeModel() {
        model = TinyModels.write(dir.resolve("model.gguf"), List.of(
                TinyModels.random("blk.0.attn_q.weight", 64, 8, 1),
                TinyModels.random("blk.0.ffn_up.weight", 64, 4, 2)));
        output = dir.resolve("out").resolve("model-q8.gguf");
    }

    @Test
    void wrongMagic() throws IOException {
        patch(0, "GGUX".getBytes(StandardCharsets.US_ASCII));
        assertFailsWith("not a GGUF file");
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(all, all.length - 100));
        assertFailsWith("truncated");
    }

    @Test
    void absurdTensorCount() throws IOException {
        patch(8, le64(1L << 40));
        assertFailsWith("tensor count 1099511627776 is impossible");
    }

    @Test
    void absurdStringLength() throws IOException {
        patch(24, le64(1L << 50)); // length of the first metadata key
        assertFailsWith("beyond the end of the file");
    }

    @Test
    void unknownTypeId() throws IOException {
        patch(tensorInfoField("blk.0.ffn_up.weight", TYPE_FIELD), le32(99));
        assertFailsWith("unknown ggml type id 99");
    }

    @Test
    void overlappingTensors() throws IOException {
        patch(tensorInfoField("blk.0.ffn_up.weight", OFFSET_FIELD), le64(0));
        assertFailsWith("overlaps");
    }

    @Test
    void offsetBeyondTheFile() throws IOException {
        patch(tensorInfoField("blk.0.ffn_up.weight", OFFSET_FIELD), le64(1L << 30));
        assertFailsWith("but the file has only");
    }

    @Test
    void nanInASourceTensor() {
        TinyModels.Tensor bad = TinyModels.random("blk.0.attn_q.weight", 64, 8, 1);
        bad.values()[64 * 3 + 5] = Float.NaN;
        TinyModels.write(model, List.of(bad));
        assertFailsWith("blk.0.attn_q.weight holds NaN at row 3, column 5");
    }

    @Test
    void infinityInASourceTensor() {
        TinyModels.Tensor bad = TinyModels.random("blk.0.attn_q.weight", 64, 8, 1);
        bad.values()[7] = Float.NEGATIVE_INFINITY;
        TinyModels.write(model, List.of(bad));
        assertFailsWith("holds -Infinity at row 0, column 7");
    }

    @Test
    void importanceMatrixWithTheWrongWidth() {
        Path imatrix = TinyModels.write(dir.resolve("imatrix.gguf"), List.of(
                new TinyModels.Tensor("blk.0.attn_q.weight.in_sum2", new long[]{32}, new float[32]),
                new TinyModels.Tensor("blk.0.attn_q.weight.counts", new long[]{1}, new float[]{1})));
        CliRun run = CliRun.of("quantize", "--uniform", "--imatrix", imatrix, model, output, "F16");
        assertFailure(run, "importance entry blk.0.attn_q.weight has 32 columns but the tensor's rows have 64");
    }

    @Test
    void importanceMatrixThatIsNotOne() {
        CliRun run = CliRun.of("quantize", "--uniform", "--imatrix", model, model, output, "F16");
        assertFailure(run, "not an importance matrix");
    }

    @Test
    void missingInput() {
        CliRun run = CliRun.of("quantize", "--uniform", dir.resolve("nope.gguf"), output, "F16");
        assertFailure(run, "nope.gguf: no such file");
    }

    @Test
    void unknownType() {
        CliRun run = CliRun.of("quantize", "--uniform", model, output, "Q9_9");
        assertFailure(run, "unknown ggml type Q9_9", false);
        assertFailure(CliRun.of("quantize", model, output, "Q9_9"), "Q9_9", false);
    }

    @Test
    void goodInputStillWorks() {
        CliRun run = CliRun.of("quantize", "--uniform", model, output, "F16");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(output));
    }

    private void assertFailsWith(String problem) {
        assertFailure(CliRun.of("quantize", "--uniform", model, output, "F16"), problem);
    }

    private void assertFailure(CliRun run, String problem) {
        assertFailure(run, problem, true);
    }

    private void assertFailure(CliRun run, String problem, boolean namesFile) {
        assertNotEquals(0, run.exitCode(), "exit code");
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line, got:\n" + err);
        assertTrue(err.startsWith("quantforge: "), err);
        assertTrue(err.contains(problem), "expected «" + problem + "» in: " + err);
        assertTrue(!namesFile || err.contains(".gguf"), "names the file: " + err);
        assertFalse(Files.exists(output), "no output file");
        if (Files.isDirectory(output.getParent())) {
            try (Stream<Path> left = Files.list(output.getParent())) {
                assertEquals(List.of(), left.toList(), "no partial files left");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static final int TYPE_FIELD = 0;
    private static final int OFFSET_FIELD = 4;

    /** Offset of a 2-D tensor info's type field (or its offset field, 4 bytes later). */
    private int tensorInfoField(String name, int field) throws IOException {
        byte[] all = Files.readAllBytes(model);
        byte[] needle = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + needle.length <= all.length; i++) {
            if (java.util.Arrays.equals(all, i, i + needle.length, needle, 0, needle.length)) {
                return i + needle.length + 4 + 2 * 8 + field; // n_dims, two dims
            }
        }
        throw new AssertionError(name + " not in the file");
    }

    private void patch(int offset, byte[] bytes) throws IOException {
        byte[] all = Files.readAllBytes(model);
        System.arraycopy(bytes, 0, all, offset, bytes.length);
        Files.write(model, all);
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
