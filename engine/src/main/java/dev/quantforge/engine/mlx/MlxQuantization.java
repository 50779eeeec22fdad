package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;

import java.util.Objects;
import java.util.Set;

/**
 * One quantization as {@code mlx.core.quantize} takes it: mode, bits and group size, checked as MLX checks
 * them (affine: bits 2, 3, 4, 5, 6 or 8 and groups of 32, 64 or 128; mxfp4: 4 bits, groups of 32; nvfp4:
 * 4 bits, groups of 16; mxfp8: 8 bits, groups of 32).
 */
public record MlxQuantization(MlxMode mode, int bits, int groupSize) {
    private static final Set<Integer> AFFINE_BITS = Set.of(2, 3, 4, 5, 6, 8);
    private static final Set<Integer> AFFINE_GROUPS = Set.of(32, 64, 128);

    public MlxQuantization {
        Objects.requireNonNull(mode, "mode");
        if (mode == MlxMode.AFFINE) {
            if (!AFFINE_BITS.contains(bits)) {
                throw new InvalidInputException("MLX affine quantization takes 2, 3, 4, 5, 6 or 8 bits, not " + bits);
            }
            if (!AFFINE_GROUPS.contains(groupSize)) {
                throw new InvalidInputException("MLX affine quantization takes groups of 32, 64 or 128, not " + groupSize);
            }
        } else if (bits != mode.defaultBits() || groupSize != mode.defaultGroupSize()) {
            throw new InvalidInputException("MLX " + mode.mlxName() + " quantization is " + mode.defaultBits()
                    + " bits in groups of " + mode.defaultGroupSize() + ", not " + bits + " bits in groups of " + groupSize);
        }
    }

    /** A mode with bits and group size left to MLX's defaults when null. */
    public static MlxQuantization of(MlxMode mode, Integer bits, Integer groupSize) {
        return new MlxQuantization(mode, bits == null ? mode.defaultBits() : bits,
                groupSize == null ? mode.defaultGroupSize() : groupSize);
    }

    /** Whether MLX quantizes a matrix with rows of {@code rowLength}: the group must divide it. */
    public boolean fits(long rowLength) {
        return rowLength > 0 && rowLength % groupSize == 0;
    }

    /** uint32 words per row of the packed weight. */
    public long packedRowWords(long rowLength) {
        return rowLength * bits / 32;
    }

    public long groupsPerRow(long rowLength) {
        return rowLength / groupSize;
    }

    /** Bytes of one row's scale: the weight's dtype for affine, one byte (E8M0 or E4M3) for the fp modes. */
    public int scaleBytes(MlxDtype dtype) {
        return mode == MlxMode.AFFINE ? dtype.byteWidth() : 1;
    }

    /** e.g. {@code affine q4 g64}, for plan tables. */
    public String label() {
        return mode == MlxMode.AFFINE ? "affine q" + bits + " g" + groupSize : mode.mlxName() + " g" + groupSize;
    }
}
