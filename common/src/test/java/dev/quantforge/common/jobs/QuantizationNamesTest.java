package dev.quantforge.common.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuantizationNamesTest {

    @Test
    void fileTypesAreFoundInAnyCaseAndAliasesNameTheMediumMixture() {
        assertEquals(Optional.of("Q4_K_M"), QuantizationNames.fileType("q4_k_m"));
        assertEquals(Optional.of("Q4_K_M"), QuantizationNames.fileType("Q4_K"));
        assertEquals(Optional.of("IQ2_XXS"), QuantizationNames.fileType(" iq2_xxs "));
    }

    @Test
    void unknownNamesAreNotFileTypes() {
        assertTrue(QuantizationNames.fileType("Q9_K").isEmpty());
        assertTrue(QuantizationNames.fileType("Q4_K_X").isEmpty());
        // a tensor type is not a file type: MXFP4 only exists as the MoE mixture
        assertTrue(QuantizationNames.fileType("MXFP4").isEmpty());
    }

    @Test
    void tensorTypesAreGgmlTypes() {
        assertEquals(Optional.of("Q6_K"), QuantizationNames.tensorType("q6_k"));
        assertTrue(QuantizationNames.tensorType("Q4_K_M").isEmpty());
    }
}
