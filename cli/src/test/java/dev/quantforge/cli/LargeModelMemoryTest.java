package dev.quantforge.cli;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufFile;
import dev.quantforge.engine.gguf.GgufTensorInfo;
import dev.quantforge.engine.gguf.GgufValue;
import dev.quantforge.engine.gguf.GgufWriter;
import dev.quantforge.engine.quant.Quantizers;
import dev.quantforge.engine.tensor.FloatRows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model several times larger than the heap quantizes: the CLI runs in a JVM limited to 128 MB. */
class LargeModelMemoryTest {
    private static final int ROW = 4096;
    private static final int ROWS = 3072;
    private static final int TENSORS = 24; // 24 x 4096 x 3072 F16 = 604 MB
    private static final GgmlType TARGET = GgmlType.Q8_0;

    @TempDir
    Path dir;

    @Test
    void quantizesAModelLargerThanTheHeap() throws Exception {
        Path input = dir.resolve("big-f16.gguf");
        writeF16Model(input);
        assertTrue(Files.size(input) > 600_000_000L, "input is " + Files.size(input));
        Path output = dir.resolve("big-out.gguf");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "quantize", "--uniform", "--threads", "2",
                input.toString(), output.toString(), TARGET.name())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "quantize finished in time");
        String log = Files.readString(dir.resolve("child.log"));
        assertEquals(0, child.exitValue(), log);

        try (GgufFile in = GgufFile.open(input); GgufFile out = GgufFile.open(output)) {
            assertEquals(TENSORS, out.tensorInfos().size());
            for (int i : new int[]{0, TENSORS - 1}) {
                GgufTensorInfo source = in.tensorInfos().get(i);
                GgufTensorInfo written = out.tensorInfos().get(i);
                assertEquals(TARGET, written.type());
                float[] values = new float[ROW * 2];
                FloatRows.read(in.source(source), ROWS - 2, 2, values);
                byte[] expected = new byte[(int) TARGET.byteSize(values.length, ROW)];
                Quantizers.require(TARGET).quantize(values, 0, 2, ROW, null, expected, 0);
                long offset = (ROWS - 2) * TARGET.rowSize(ROW);
                byte[] actual = new byte[expected.length];
                out.map(written, offset, expected.length).get(actual);
                assertArrayEquals(expected, actual, written.name() + " last rows");
            }
        }
    }

    private static void writeF16Model(Path file) {
        List<GgufWriter.TensorSpec> specs = new ArrayList<>();
        for (int t = 0; t < TENSORS; t++) {
            specs.add(new GgufWriter.TensorSpec("blk." + t + ".ffn_up.weight", new long[]{ROW, ROWS}, GgmlType.F16));
        }
        byte[] rows = new byte[ROW * 2 * 64];
        long state = 0x9E3779B97F4A7C15L;
        try (GgufWriter writer = GgufWriter.create(file, Map.of("general.architecture", GgufValue.ofString("llama")), specs)) {
            for (GgufWriter.TensorSpec spec : specs) {
                writer.beginTensor(spec.name());
                for (int r = 0; r < ROWS; r += 64) {
                    for (int i = 0; i < rows.length; i += 2) {
                        state = state * 6364136223846793005L + 1442695040888963407L;
                        short h = Fp16.fromFloat(((state >>> 40) - (1 << 23)) * 0x1p-28f);
                        rows[i] = (byte) h;
                        rows[i + 1] = (byte) (h >> 8);
                    }
                    writer.write(rows, 0, rows.length);
                }
            }
            writer.commit();
        }
    }
}
