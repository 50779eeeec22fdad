package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/** IQ4_NL: blocks of 32 values, an fp16 scale and 4-bit codes on a non-linear grid. */
final class IQ4_NLCodec implements Quantizer {
    private static final int BLOCK = GgmlType.IQ4_NL.blockSize();
    private static final int BLOCK_BYTES = GgmlType.IQ4_NL.typeSize();

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        Iq4NonLinear.Scratch scratch = new Iq4NonLinear.Scratch();
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset, (x, column, out) -> {
            float sigma2 = Iq4NonLinear.sigma2(src, x, BLOCK);
            Iq4NonLinear.weights(src, x, importance, column, sigma2, scratch);
            float d = Iq4NonLinear.bestScale(src, x, scratch);
            LittleEndian.putShort(dst, out, Fp16.fromFloat(d));
            // the codes are chosen again for the final scale, in full float precision (not the fp16 one)
            Iq4NonLinear.pack(src, x, d != 0 ? 1 / d : 0, dst, out + 2);
        });
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK_BYTES;
            Iq4NonLinear.unpack(src, in + 2, LittleEndian.getHalf(src, in), dst, dstOffset + b * BLOCK);
        }
    }
}
