package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** MLX's quantization modes, with the group size and bits {@code mlx.core.quantize} defaults them to. */
public enum MlxMode {
    AFFINE(64, 4),
    MXFP4(32, 4),
    NVFP4(16, 4),
    MXFP8(32, 8);

    private final int defaultGroupSize;
    private final int defaultBits;

    MlxMode(int defaultGroupSize, int defaultBits) {
        this.defaultGroupSize = defaultGroupSize;
        this.defaultBits = defaultBits;
    }

    /** The name MLX and config.json use, e.g. {@code affine}. */
    public String mlxName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int defaultGroupSize() {
        return defaultGroupSize;
    }

    public int defaultBits() {
        return defaultBits;
    }

    /** The fp modes store one uint8 scale per group and no biases. */
    public boolean hasBiases() {
        return this == AFFINE;
    }

    public static MlxMode parse(String name) {
        for (MlxMode m : values()) {
            if (m.mlxName().equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new InvalidInputException("unknown MLX quantization mode " + name + "; choose "
                + Arrays.stream(values()).map(MlxMode::mlxName).collect(Collectors.joining(", ")));
    }
}
