package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;

import java.util.Locale;

/**
 * Which of MLX's two affine quantization kernels to follow. They differ on purpose-free details that
 * change the bytes:
 * <ul>
 * <li>{@link #METAL}: {@code affine_quantize} in {@code mlx/backend/metal/kernels/quantized.h}, what
 *     {@code mlx_lm.convert} runs on an Apple GPU (MLX's default device on a Mac). A group's maximum starts
 *     at 0 and its minimum at the dtype's {@code Limits<T>::max} (+inf for floating types), NaN is skipped
 *     by min/max, {@code round} is half away from zero and q is only clamped from above.</li>
 * <li>{@link #CPU}: {@code quantize<T, U>} in {@code mlx/backend/cpu/quantized.cpp}: min and max start at
 *     ±inf, {@code rint} rounds half to even, q is clamped to [0, n_bins].</li>
 * </ul>
 */
public enum AffineRounding {
    METAL, CPU;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AffineRounding parse(String name) {
        for (AffineRounding r : values()) {
            if (r.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new InvalidInputException("unknown MLX rounding " + name + "; choose metal (what Apple GPUs write) or cpu");
    }
}
