package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Fp16;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.ggml.LittleEndian;

/**
 * IQ4_XS: super-blocks of 256 values; an fp16 super-scale, eight 6-bit block scales (4 low bits in
 * {@code scales_l}, 2 high bits in {@code scales_h}) and 4-bit codes on IQ4_NL's non-linear grid.
 */
final class IQ4_XSCodec implements Quantizer {
    private static final int SUPER_BLOCK = GgmlType.IQ4_XS.blockSize();
    private static final int BLOCK = Iq4NonLinear.BLOCK;
    private static final int BLOCKS = SUPER_BLOCK / BLOCK;
    private static final int SUPER_BLOCK_BYTES = GgmlType.IQ4_XS.typeSize();
    private static final int SCALES_H = 2;
    private static final int SCALES_L = 4;
    private static final int QS = 8;

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int rows, int rowLength, float[] importance, byte[] dst, int dstOffset) {
        Iq4NonLinear.Scratch scratch = new Iq4NonLinear.Scratch();
        float[] scales = new float[BLOCKS];
        BlockRows.quantize(type(), srcOffset, rows, rowLength, dstOffset, (x, column, out) -> {
            float sigma2 = Iq4NonLinear.sigma2(src, x, SUPER_BLOCK);
            float maxScale = 0;
            float amaxScale = 0;
            for (int ib = 0; ib < BLOCKS; ib++) {
                Iq4NonLinear.weights(src, x + ib * BLOCK, importance, column + ib * BLOCK, sigma2, scratch);
                float d = Iq4NonLinear.bestScale(src, x + ib * BLOCK, scratch);
                scales[ib] = d;
                if (Math.abs(d) > amaxScale) {
                    amaxScale = Math.abs(d);
                    maxScale = d;
                }
            }
            // -0.0 for an all-zero super-block, stored as fp16 0x8000 just like ggml
            float d = -maxScale / 32;
            LittleEndian.putShort(dst, out, Fp16.fromFloat(d));
            float id = d != 0 ? 1 / d : 0.f;
            int scalesH = 0;
            for (int ib = 0; ib < BLOCKS; ib++) {
                int l = Math.max(-32, Math.min(31, QuantMath.nearestInt(id * scales[ib])));
                float dl = d * l;
                Iq4NonLinear.pack(src, x + ib * BLOCK, dl != 0 ? 1 / dl : 0.f, dst, out + QS + ib * BLOCK / 2);
                l += 32;
                int low = l & 0xF;
                if (ib % 2 == 0) {
                    dst[out + SCALES_L + ib / 2] = (byte) low;
                } else {
                    dst[out + SCALES_L + ib / 2] |= (byte) (low << 4);
                }
                scalesH |= (l >> 4) << 2 * ib;
            }
            LittleEndian.putShort(dst, out + SCALES_H, (short) scalesH);
        });
    }

    @Override
    public void dequantize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int sb = 0; sb < count / SUPER_BLOCK; sb++) {
            int in = srcOffset + sb * SUPER_BLOCK_BYTES;
            float d = LittleEndian.getHalf(src, in);
            int scalesH = LittleEndian.getUnsignedShort(src, in + SCALES_H);
            for (int ib = 0; ib < BLOCKS; ib++) {
                int ls = ((src[in + SCALES_L + ib / 2] & 0xFF) >> 4 * (ib % 2) & 0xF) | ((scalesH >> 2 * ib) & 3) << 4;
                float dl = d * (ls - 32);
                Iq4NonLinear.unpack(src, in + QS + ib * BLOCK / 2, dl, dst, dstOffset + sb * SUPER_BLOCK + ib * BLOCK);
            }
        }
    }
}
