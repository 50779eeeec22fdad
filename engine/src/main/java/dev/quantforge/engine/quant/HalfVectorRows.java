package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.Bf16;
import dev.quantforge.engine.ggml.Fp16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 to IEEE half ({@link Fp16#fromFloat}) and to bfloat16 ({@link Bf16#fromFloat}) a vector of
 * values at a time, each lane doing the scalar conversion's operations: for half, ggml's portable
 * {@code ggml_compute_fp32_to_fp16} (the FPU rounds to nearest even, into the subnormals too, by scaling
 * with 2^112 and 2^-110; NaN becomes 0x7E00 with its sign, infinities stay infinite), which is what
 * ggml's {@code ggml_fp32_to_fp16_row} runs for {@code ggml_quantize_chunk}; for bfloat16, round to nearest
 * even on the bits and NaN made quiet; each lane's low 16 bits are stored little-endian. No method here takes a
 * vector: the block kernels inline {@link #toHalf} into loops that reach C2's node-count cutoff, and a vector
 * passed to a call left out there is boxed. Load this class only when {@link KernelPath#HALF_VECTOR} is true.
 */
final class HalfVectorRows {
    /** 256 bits, the one shape every vector kernel shares (see {@link VectorLanes}). */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.length() * 16));
    private static final int LANES = FLOATS.length();
    private static final int SIGN = Integer.MIN_VALUE;

    private HalfVectorRows() {
    }

    /** {@code n} values from {@code src[from]} as little-endian halves at {@code dst[out]}. */
    static void toHalf(float[] src, int from, int n, byte[] dst, int out) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector f = FloatVector.fromArray(FLOATS, src, from + i);
            FloatVector base = f.abs().mul(0x1.0p+112f).mul(0x1.0p-110f);
            IntVector w = f.reinterpretAsInts();
            IntVector doubled = w.add(w);
            // bias = max(doubled & 0xFF000000, 0x71000000) unsigned: flipping the sign bit makes it signed
            IntVector bias = doubled.and(0xFF000000).lanewise(VectorOperators.XOR, SIGN)
                    .max(0x71000000 ^ SIGN).lanewise(VectorOperators.XOR, SIGN);
            FloatVector rounded = bias.lanewise(VectorOperators.LSHR, 1).add(0x07800000).reinterpretAsFloats().add(base);
            IntVector bits = rounded.reinterpretAsInts();
            IntVector nonSign = bits.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(bits.and(0x0FFF));
            VectorMask<Integer> nan = doubled.lanewise(VectorOperators.XOR, SIGN)
                    .compare(VectorOperators.GT, 0xFF000000 ^ SIGN);
            IntVector half = w.lanewise(VectorOperators.LSHR, 16).and(0x8000).or(nonSign.blend(0x7E00, nan));
            half.convertShape(VectorOperators.I2S, SHORTS, 0).reinterpretAsBytes().intoArray(dst, out + 2 * i);
        }
        for (; i < n; i++) {
            short h = Fp16.fromFloat(src[from + i]);
            dst[out + 2 * i] = (byte) h;
            dst[out + 2 * i + 1] = (byte) (h >> 8);
        }
    }

    /** {@code n} values from {@code src[from]} as little-endian bfloat16 at {@code dst[out]}. */
    static void toBf16(float[] src, int from, int n, byte[] dst, int out) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, from + i).reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector rounded = bits.add(high.and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
            rounded.blend(high.or(64), nan)
                    .convertShape(VectorOperators.I2S, SHORTS, 0).reinterpretAsBytes().intoArray(dst, out + 2 * i);
        }
        for (; i < n; i++) {
            short h = Bf16.fromFloat(src[from + i]);
            dst[out + 2 * i] = (byte) h;
            dst[out + 2 * i + 1] = (byte) (h >> 8);
        }
    }
}
