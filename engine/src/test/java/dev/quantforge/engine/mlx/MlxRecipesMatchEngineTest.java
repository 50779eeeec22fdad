package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.MlxRecipes;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.engine.variant.MlxTarget;
import dev.quantforge.engine.variant.QuantizeParams;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The API checks MLX targets with common's lists and spells them as common's recipes: the engine must agree. */
class MlxRecipesMatchEngineTest {

    @Test
    void theListsAreTheEngines() {
        assertEquals(Arrays.stream(MixedRecipe.values()).map(MixedRecipe::recipeName).collect(Collectors.toSet()),
                MlxRecipes.RECIPES);
        assertEquals(Arrays.stream(MlxDtype.values()).map(MlxDtype::configName).collect(Collectors.toSet()),
                MlxRecipes.DTYPES);
        assertEquals(Arrays.stream(MlxMode.values()).filter(m -> m != MlxMode.AFFINE).map(MlxMode::mlxName)
                .collect(Collectors.toSet()), MlxRecipes.FP_MODES.keySet());
        for (MlxMode mode : MlxMode.values()) {
            if (mode != MlxMode.AFFINE) {
                assertEquals(List.of(mode.defaultBits(), mode.defaultGroupSize()), MlxRecipes.FP_MODES.get(mode.mlxName()));
            }
        }
        assertEquals(MlxMode.AFFINE.defaultBits(), MlxRecipes.DEFAULT_BITS);
        assertEquals(MlxMode.AFFINE.defaultGroupSize(), MlxRecipes.DEFAULT_GROUP);
        for (String rounding : MlxRecipes.ROUNDINGS) {
            AffineRounding.parse(rounding);
        }
        for (int bits : Set.of(1, 7, 9)) {
            int b = bits;
            assertThrows(InvalidInputException.class, () -> new MlxQuantization(MlxMode.AFFINE, b, 64));
        }
        for (int bits : MlxRecipes.AFFINE_BITS) {
            for (int group : MlxRecipes.AFFINE_GROUPS) {
                new MlxQuantization(MlxMode.AFFINE, bits, group);
            }
        }
    }

    @Test
    void everyRecipeSpellingBuildsTheTargetItNames() {
        assertTarget(MlxRecipes.recipe("affine", 4, 64, null, null, null), "4bit", 4, 64, null);
        assertTarget(MlxRecipes.recipe("affine", 8, 32, null, null, null), "8bit-g32", 8, 32, null);
        assertTarget(MlxRecipes.recipe("affine", 4, 64, "mixed_3_6", null, null), "mixed_3_6", 4, 64, MixedRecipe.MIXED_3_6);
        assertTarget(MlxRecipes.recipe("affine", 4, 128, "mixed_2_6", null, null), "mixed_2_6-g128", 4, 128,
                MixedRecipe.MIXED_2_6);
        assertTarget(MlxRecipes.recipe("mxfp4", 4, 32, null, null, null), "mxfp4", 4, 32, null);
        MlxTarget withDtype = (MlxTarget) QuantizeParams.target(MlxRecipes.recipe("affine", 6, 64, null, "bfloat16", "cpu"));
        assertEquals(MlxDtype.BFLOAT16, withDtype.dtype());
        assertEquals(AffineRounding.CPU, withDtype.rounding());
    }

    private static void assertTarget(Recipe recipe, String name, int bits, int group, MixedRecipe mixed) {
        MlxTarget target = (MlxTarget) QuantizeParams.target(recipe);
        assertEquals(name, recipe.ftype());
        assertEquals(name, target.name());
        assertEquals(name, recipe.variantName());
        if (mixed == null) {
            assertEquals(bits, target.quantization().bits());
        }
        assertEquals(group, target.quantization().groupSize());
        assertEquals(mixed, target.recipe());
    }
}
