package dev.quantforge.engine.variant;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.mlx.AffineRounding;
import dev.quantforge.engine.mlx.MixedRecipe;
import dev.quantforge.engine.mlx.MlxDtype;
import dev.quantforge.engine.mlx.MlxMode;
import dev.quantforge.engine.mlx.MlxQuantization;

import java.util.Objects;

/**
 * An MLX variant, as {@code mlx_lm.convert -q} makes it: one quantization (mode, bits, group size) or a
 * mixed recipe, the dtype of what is not quantized, and which of MLX's affine kernels to follow.
 *
 * @param recipe   a mixed recipe, or null
 * @param dtype    the output dtype, or null for config.json's {@code torch_dtype} (mlx-lm's default)
 * @param rounding {@link AffineRounding#METAL} (what Apple GPUs write, the default) or {@link AffineRounding#CPU}
 */
public record MlxTarget(MlxQuantization quantization, MixedRecipe recipe, MlxDtype dtype, AffineRounding rounding)
        implements Target {

    public MlxTarget {
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(rounding, "rounding");
        if (recipe != null && quantization.mode() != MlxMode.AFFINE) {
            throw new InvalidInputException("MLX's mixed recipes are affine; " + recipe.recipeName()
                    + " cannot use mode " + quantization.mode().mlxName());
        }
    }

    /** mlx-lm's default: affine, 4 bits, groups of 64, the checkpoint's dtype, the Metal rule. */
    public static MlxTarget defaults() {
        return new MlxTarget(MlxQuantization.of(MlxMode.AFFINE, null, null), null, null, AffineRounding.METAL);
    }

    @Override
    public TargetFormat format() {
        return MlxFormat.INSTANCE;
    }

    /** e.g. {@code 4bit}, {@code 4bit-g32}, {@code mixed_3_6}, {@code mxfp4}. */
    @Override
    public String name() {
        MlxMode mode = quantization.mode();
        String base = recipe != null ? recipe.recipeName()
                : mode == MlxMode.AFFINE ? quantization.bits() + "bit" : mode.mlxName();
        return base + (quantization.groupSize() == mode.defaultGroupSize() ? "" : "-g" + quantization.groupSize());
    }
}
