package dev.quantforge.engine.mlx;

import dev.quantforge.common.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** mlx-lm's mixed_quant_predicate: which layers' v_proj and down_proj get the high bits, and lm_head always. */
class MixedRecipeTest {

    private static List<String> llamaModules(int layers) {
        List<String> modules = new ArrayList<>(List.of("model.embed_tokens"));
        for (int i = 0; i < layers; i++) {
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj")) {
                modules.add("model.layers." + i + "." + m);
            }
        }
        modules.add("lm_head");
        return modules;
    }

    @Test
    void thirtyTwoLayersFavourTheEndsAndEveryThirdLayer() {
        MixedRecipe.Layers layers = MixedRecipe.Layers.of(llamaModules(32), 32);
        assertEquals(2, layers.layerLocation());
        List<Integer> favoured = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if (MixedRecipe.MIXED_3_6.bits("model.layers." + i + ".mlp.down_proj", layers) == 6) {
                favoured.add(i);
            }
            assertEquals(MixedRecipe.MIXED_3_6.bits("model.layers." + i + ".mlp.down_proj", layers),
                    MixedRecipe.MIXED_3_6.bits("model.layers." + i + ".self_attn.v_proj", layers));
            assertEquals(3, MixedRecipe.MIXED_3_6.bits("model.layers." + i + ".self_attn.q_proj", layers));
        }
        // i < 4, i >= 28, or (i - 4) % 3 == 2
        assertEquals(List.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31), favoured);
        assertEquals(6, MixedRecipe.MIXED_3_6.bits("lm_head", layers));
        assertEquals(3, MixedRecipe.MIXED_3_6.bits("model.embed_tokens", layers));
    }

    @Test
    void recipesPickTheirBits() {
        MixedRecipe.Layers layers = MixedRecipe.Layers.of(llamaModules(8), 8);
        assertEquals(2, MixedRecipe.MIXED_2_6.bits("model.layers.3.mlp.up_proj", layers));
        assertEquals(6, MixedRecipe.MIXED_2_6.bits("model.layers.0.mlp.down_proj", layers));
        assertEquals(4, MixedRecipe.MIXED_3_4.bits("lm_head", layers));
        assertEquals(3, MixedRecipe.MIXED_3_4.bits("model.layers.4.mlp.down_proj", layers)); // (4-1)%3 == 0
        assertEquals(4, MixedRecipe.MIXED_3_4.bits("model.layers.3.mlp.down_proj", layers)); // (3-1)%3 == 2
        assertEquals(4, MixedRecipe.MIXED_4_6.bits("model.layers.5.self_attn.o_proj", layers));
        assertEquals(6, MixedRecipe.MIXED_4_6.bits("model.layers.7.self_attn.v_proj", layers)); // 7 >= 7*8/8
    }

    @Test
    void unknownRecipesAndModelsWithoutDownProjAreRefused() {
        assertThrows(InvalidInputException.class, () -> MixedRecipe.parse("mixed_3_5"));
        assertThrows(InvalidInputException.class, () -> MixedRecipe.Layers.of(List.of("model.embed_tokens"), 1));
    }
}
