package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * mlx-lm's mixed-bit recipes ({@code mlx_lm.convert --quant-predicate}): affine, low bits everywhere except
 * {@code v_proj} and {@code down_proj} of the layers llama.cpp's Q4_K_M favours, and {@code lm_head}, which get
 * the high bits. The rule is mlx-lm's {@code mixed_quant_predicate_builder}.
 */
public enum MixedRecipe {
    MIXED_2_6(2, 6),
    MIXED_3_4(3, 4),
    MIXED_3_6(3, 6),
    MIXED_4_6(4, 6);

    private final int lowBits;
    private final int highBits;

    MixedRecipe(int lowBits, int highBits) {
        this.lowBits = lowBits;
        this.highBits = highBits;
    }

    /** The name mlx-lm gives, e.g. {@code mixed_3_6}. */
    public String recipeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int lowBits() {
        return lowBits;
    }

    public int highBits() {
        return highBits;
    }

    public static MixedRecipe parse(String name) {
        for (MixedRecipe r : values()) {
            if (r.recipeName().equals(name.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new InvalidInputException("unknown MLX recipe " + name + "; choose "
                + Arrays.stream(values()).map(MixedRecipe::recipeName).collect(Collectors.joining(", ")));
    }

    /** The layer selection of one model: where a module path holds its layer index, and how many layers there are. */
    public record Layers(int layerLocation, int layerCount) {
        /**
         * As mlx-lm: the layer index sits at the first all-digit component of the first {@code down_proj}
         * module's path ({@code model.layers.0.mlp.down_proj} → 2).
         *
         * @param modules the model's module paths in model order
         */
        public static Layers of(List<String> modules, int layerCount) {
            String firstDown = modules.stream().filter(m -> m.contains("down_proj")).findFirst().orElseThrow(() ->
                    new InvalidInputException("the model has no down_proj layer, which MLX's mixed recipes need"));
            String[] parts = firstDown.split("\\.");
            int location = 0;
            while (location < parts.length && !parts[location].chars().allMatch(Character::isDigit)) {
                location++;
            }
            // Python's for/break leaves the index at the last component when no component is a number
            return new Layers(Math.min(location, parts.length - 1), layerCount);
        }
    }

    /** The bits of the module at {@code path}. */
    public int bits(String path, Layers layers) {
        String[] parts = path.split("\\.");
        int index = parts.length > layers.layerLocation() ? Integer.parseInt(parts[layers.layerLocation()]) : 0;
        int n = layers.layerCount();
        boolean useMoreBits = index < n / 8 || index >= 7 * n / 8 || Math.floorMod(index - n / 8, 3) == 2;
        if ((path.contains("v_proj") || path.contains("v_a_proj") || path.contains("v_b_proj")) && useMoreBits) {
            return highBits;
        }
        if (path.contains("down_proj") && useMoreBits) {
            return highBits;
        }
        if (path.contains("lm_head")) {
            return highBits;
        }
        return lowBits;
    }
}
