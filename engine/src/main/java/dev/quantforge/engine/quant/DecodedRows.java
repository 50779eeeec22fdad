package dev.quantforge.engine.quant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.tensor.FloatRows;
import dev.quantforge.engine.tensor.TensorSource;

import java.nio.ByteBuffer;

/** Rows of a tensor of any float or quantized type as float32: floats widen exactly, blocks decode as ggml's do. */
public final class DecodedRows {
    private DecodedRows() {
    }

    public static boolean canDecode(GgmlType type) {
        return type.isFloat() || Quantizers.forType(type).isPresent();
    }

    /** Decodes {@code rows} rows from {@code firstRow} into {@code dst[0 ..)}; true when every value is finite. */
    public static boolean read(TensorSource tensor, long firstRow, int rows, float[] dst) {
        GgmlType type = tensor.type();
        if (type.isFloat()) {
            return FloatRows.read(tensor, firstRow, rows, dst);
        }
        Quantizer decoder = Quantizers.forType(type).orElseThrow(() -> new InvalidInputException(
                "tensor " + tensor.name() + " is " + type + ", which quantforge cannot decode"));
        long rowBytes = type.rowSize(tensor.rowLength());
        ByteBuffer bytes = tensor.bytes(firstRow * rowBytes, Math.toIntExact(rows * rowBytes));
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        int count = Math.toIntExact(rows * tensor.rowLength());
        decoder.dequantize(raw, 0, dst, 0, count);
        return FloatRows.allFinite(dst, count);
    }
}
