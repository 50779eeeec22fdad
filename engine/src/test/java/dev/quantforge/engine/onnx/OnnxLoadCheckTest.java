package dev.quantforge.engine.onnx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.testing.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exporter's load check reads no weights (no prepacking, external data memory-mapped) yet still refuses an
 * output ONNX Runtime cannot use: here external data cut short, which ONNX Runtime finds from the offsets alone.
 */
class OnnxLoadCheckTest {
    @TempDir
    Path tmp;

    @Test
    void acceptsAnExportAndRefusesOneWhoseDataIsCutShort() throws IOException {
        Path out = tmp.resolve("stories-fp32");
        OnnxExporter.export(Models.stories260K(), out, OnnxExportOptions.of(OnnxPrecision.FP32).withVerify(false),
                t -> { }, () -> false);
        OnnxDecoder.verifyLoads(out);
        try (FileChannel data = FileChannel.open(out.resolve(OnnxExporter.DATA), StandardOpenOption.WRITE)) {
            data.truncate(data.size() / 2);
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxDecoder.verifyLoads(out));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("out of bounds"), e.getMessage());
    }
}
