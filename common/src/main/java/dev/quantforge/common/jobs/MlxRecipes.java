package dev.quantforge.common.jobs;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The MLX targets a job may ask for, as {@code mlx_lm.convert} spells them, so that services can check a request
 * without depending on the engine (whose {@code MlxQuantization}, {@code MlxMode}, {@code MixedRecipe},
 * {@code MlxDtype} and {@code AffineRounding} are the authority; a test in the engine keeps these lists equal to
 * them), and the one {@link Recipe} spelling of each: format {@code mlx}, the file type naming bits, recipe or fp
 * mode with the group size when it is not the mode's default ({@code 4bit}, {@code 4bit-g32}, {@code mixed_3_6},
 * {@code mxfp4}), dtype and rounding in the settings when given.
 */
public final class MlxRecipes {
    public static final String FORMAT = "mlx";
    public static final String AFFINE = "affine";
    public static final Set<Integer> AFFINE_BITS = Set.of(2, 3, 4, 5, 6, 8);
    public static final Set<Integer> AFFINE_GROUPS = Set.of(32, 64, 128);
    public static final int DEFAULT_BITS = 4;
    public static final int DEFAULT_GROUP = 64;
    /** The fp modes and their fixed bits and group size. */
    public static final Map<String, List<Integer>> FP_MODES = Map.of("mxfp4", List.of(4, 32), "nvfp4", List.of(4, 16),
            "mxfp8", List.of(8, 32));
    public static final Set<String> RECIPES = Set.of("mixed_2_6", "mixed_3_4", "mixed_3_6", "mixed_4_6");
    public static final Set<String> DTYPES = Set.of("float16", "bfloat16", "float32");
    public static final Set<String> ROUNDINGS = Set.of("metal", "cpu");

    private MlxRecipes() {
    }

    /**
     * The recipe of a checked MLX target.
     *
     * @param mode      affine or an fp mode
     * @param bits      affine bits, ignored for a mixed recipe and the fp modes
     * @param groupSize the group size
     * @param recipe    a mixed recipe or null
     * @param dtype     the output dtype or null for the checkpoint's
     * @param rounding  metal, cpu or null for metal
     */
    public static Recipe recipe(String mode, int bits, int groupSize, String recipe, String dtype, String rounding) {
        String base;
        int defaultGroup;
        if (!AFFINE.equals(mode)) {
            base = mode;
            defaultGroup = FP_MODES.get(mode).get(1);
        } else {
            base = recipe != null ? recipe : bits + "bit";
            defaultGroup = DEFAULT_GROUP;
        }
        String ftype = base + (groupSize == defaultGroup ? "" : "-g" + groupSize);
        SortedMap<String, String> settings = new TreeMap<>();
        if (dtype != null) {
            settings.put("dtype", dtype);
        }
        if (rounding != null) {
            settings.put("rounding", rounding);
        }
        return new Recipe(FORMAT, ftype, false, null, null, false, List.of(), settings);
    }
}
