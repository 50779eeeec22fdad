package dev.quantforge.engine.plan;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.gguf.GgufValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planner's options, refusals and the rules the golden runs do not reach (MoE, 70B, overrides). */
class QuantizationPlannerTest {
    private static final SyntheticLlama P1 = SyntheticLlama.P1;
    private static final SyntheticLlama STORIES_SHAPED = new SyntheticLlama(5, 64, 172, 8, 4, 512, true);

    @Test
    void fileTypesAreSpelledAsLlamaQuantizeSpellsThem() {
        assertEquals(LlamaFileType.Q4_K_M, LlamaFileType.parse("q4_k_m"));
        assertEquals(LlamaFileType.Q4_K_M, LlamaFileType.parse("Q4_K"));
        assertEquals(LlamaFileType.Q4_K_M, LlamaFileType.parse("15"));
        assertEquals(LlamaFileType.MXFP4_MOE, LlamaFileType.parse("MXFP4_MOE"));
        assertEquals(38, LlamaFileType.MXFP4_MOE.id());
        assertEquals(GgmlType.IQ2_XS, LlamaFileType.IQ2_S.defaultType());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> LlamaFileType.parse("Q4_0_4_4"));
        assertTrue(e.getMessage().startsWith("unknown quantization type 'Q4_0_4_4'; expected one of F32, F16, Q4_0"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> LlamaFileType.parse("4"), "llama_ftype 4 was removed from llama.cpp");
        assertEquals(LlamaFileType.values().length, Arrays.stream(LlamaFileType.values()).mapToInt(LlamaFileType::id).distinct().count());
    }

    @Test
    void layersAreOrderedByNumberAndNamesByBytes() {
        List<String> names = new SyntheticLlama(12, 256, 512, 8, 2, 256, false).plan(LlamaFileType.Q8_0, QuantizeOptions.defaults())
                .tensors().stream().map(PlannedTensor::name).collect(Collectors.toList());
        assertEquals(List.of("output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight"), names.subList(0, 4));
        assertTrue(names.indexOf("blk.10.attn_k.weight") > names.indexOf("blk.9.ffn_up.weight"));
    }

    @Test
    void firstMatchingTensorTypeOverrideWins() {
        QuantizeOptions options = QuantizeOptions.defaults().withOverrides(List.of(
                TensorTypeOverride.parse("blk\\.1\\.attn_q=q5_K"), TensorTypeOverride.parse("ATTN_Q=q8_0")));
        QuantizationPlan plan = P1.plan(LlamaFileType.Q4_K_M, options);
        assertEquals(GgmlType.Q8_0, type(plan, "blk.0.attn_q.weight"));
        assertEquals(GgmlType.Q5_K, type(plan, "blk.1.attn_q.weight"));
        assertEquals(GgmlType.Q4_K, type(plan, "blk.1.attn_k.weight"));
        assertEquals(GgmlType.Q4_K, type(P1.plan(LlamaFileType.Q4_K_M, options.withPure(true)), "blk.0.attn_q.weight"),
                "--pure ignores --tensor-type, as llama.cpp does");
    }

    @Test
    void tensorTypeOverrideDoesNotApplyWhereTheShapeForcedAFallback() {
        QuantizeOptions options = QuantizeOptions.defaults().withOverrides(List.of(TensorTypeOverride.parse("attn_v=q4_0")));
        PlannedTensor v = STORIES_SHAPED.plan(LlamaFileType.Q4_K_M, options).tensor("blk.4.attn_v.weight").orElseThrow();
        assertEquals(GgmlType.Q8_0, v.targetType());
        assertEquals("fallback q6_K -> q8_0: 64 columns not divisible by 256", v.reason());
        PlannedTensor q = STORIES_SHAPED.plan(LlamaFileType.Q8_0, QuantizeOptions.defaults().withOverrides(
                List.of(TensorTypeOverride.parse("attn_q=q4_0")))).tensor("blk.0.attn_q.weight").orElseThrow();
        assertEquals(GgmlType.Q4_0, q.targetType());
        assertNull(q.reason());
    }

    @Test
    void aTypeTheUserAskedForMustFitTheRows() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> STORIES_SHAPED.plan(LlamaFileType.Q8_0,
                QuantizeOptions.defaults().withOverrides(List.of(TensorTypeOverride.parse("attn_q=q4_K")))));
        assertEquals("--tensor-type attn_q=q4_K does not fit blk.0.attn_q.weight: its rows of 64 values are not a multiple of q4_K's block of 256",
                e.getMessage());
        InvalidInputException embd = assertThrows(InvalidInputException.class, () -> STORIES_SHAPED.plan(LlamaFileType.Q8_0,
                QuantizeOptions.defaults().withTokenEmbeddingType(GgmlType.Q6_K)));
        assertTrue(embd.getMessage().startsWith("--token-embedding-type q6_K does not fit token_embd.weight"), embd.getMessage());
        assertThrows(InvalidInputException.class, () -> TensorTypeOverride.parse("attn_q"));
        assertThrows(InvalidInputException.class, () -> TensorTypeOverride.parse("attn_q=q9_9"));
        assertThrows(InvalidInputException.class, () -> QuantizeOptions.defaults().withOutputTensorType(GgmlType.I32));
    }

    @Test
    void pureFallsBackWhereLlamaCppWouldAbort() {
        QuantizationPlan plan = STORIES_SHAPED.plan(LlamaFileType.Q4_K_M, QuantizeOptions.defaults().withPure(true));
        PlannedTensor q = plan.tensor("blk.0.attn_q.weight").orElseThrow();
        assertEquals(GgmlType.Q5_0, q.targetType());
        assertEquals("fallback q4_K -> q5_0: 64 columns not divisible by 256", q.reason());
        assertEquals(GgmlType.Q5_0, type(plan, "token_embd.weight"), "--pure skips the output rule of a tied embedding");
    }

    @Test
    void leaveOutputTensorKeepsItsType() {
        QuantizationPlan plan = P1.plan(LlamaFileType.Q5_K_M, QuantizeOptions.defaults().withLeaveOutputTensor(true));
        assertEquals(GgmlType.F32, type(plan, "output.weight"));
        assertEquals(GgmlType.Q5_K, type(plan, "token_embd.weight"));
    }

    @Test
    void veryLowBitTypesNeedAnImportanceMatrixForEveryTensorTheyTouch() {
        Set<String> covered = P1.tensors().stream().filter(t -> t.shape().length == 2).map(TensorDescriptor::name)
                .filter(n -> !n.equals("blk.3.ffn_up.weight") && !n.equals("token_embd.weight")).collect(Collectors.toSet());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> P1.plan(LlamaFileType.IQ2_XXS, QuantizeOptions.defaults().withImatrixTensors(covered)));
        assertEquals("Missing importance matrix for tensor blk.3.ffn_up.weight in a very low-bit quantization (iq2_xxs for IQ2_XXS); "
                + "give an importance matrix that covers it", e.getMessage());
        covered.add("blk.3.ffn_up.weight");
        QuantizationPlan plan = P1.plan(LlamaFileType.IQ2_XXS, QuantizeOptions.defaults().withImatrixTensors(covered));
        assertEquals(GgmlType.Q2_K, type(plan, "token_embd.weight"), "the embedding needs no matrix");
    }

    @Test
    void requantizingIsRefused() {
        List<TensorDescriptor> tensors = new ArrayList<>(P1.tensors());
        tensors.replaceAll(t -> t.name().equals("blk.0.attn_q.weight") ? new TensorDescriptor(t.name(), t.shape(), GgmlType.Q4_0) : t);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new QuantizationPlanner().plan(tensors, P1.metadata(), LlamaFileType.Q6_K, QuantizeOptions.defaults()));
        assertEquals("tensor blk.0.attn_q.weight is q4_0; only f32, f16 and bf16 tensors can be converted to q6_K (requantizing is not supported)",
                e.getMessage());
        QuantizationPlan same = new QuantizationPlanner().plan(tensors, P1.metadata(), LlamaFileType.Q4_0, QuantizeOptions.defaults());
        assertTrue(same.tensor("blk.0.attn_q.weight").orElseThrow().isCopied());
    }

    @Test
    void eightExpertModelsKeepAttentionAtHigherPrecision() {
        Map<String, GgufValue> metadata = P1.metadata();
        metadata.put("llama.expert_count", GgufValue.ofUint32(8));
        List<TensorDescriptor> tensors = new ArrayList<>(P1.tensors());
        tensors.add(new TensorDescriptor("blk.0.ffn_down_exps.weight", new long[] {512, 256, 8}, GgmlType.F32));
        tensors.add(new TensorDescriptor("blk.0.ffn_gate_inp.weight", new long[] {256, 8}, GgmlType.F32));
        QuantizationPlan plan = new QuantizationPlanner().plan(tensors, metadata, LlamaFileType.Q4_K_M, QuantizeOptions.defaults());
        assertEquals(GgmlType.Q8_0, type(plan, "blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q8_0, type(plan, "blk.0.attn_k.weight"));
        assertEquals(GgmlType.Q5_K, type(plan, "blk.9.attn_output.weight"));
        assertEquals(GgmlType.F32, type(plan, "blk.0.ffn_gate_inp.weight"), "the expert router stays as it is");
        QuantizationPlan mxfp4 = new QuantizationPlanner().plan(tensors, metadata, LlamaFileType.MXFP4_MOE, QuantizeOptions.defaults());
        assertEquals(GgmlType.MXFP4, type(mxfp4, "blk.0.ffn_down_exps.weight"));
        assertEquals(GgmlType.Q8_0, type(mxfp4, "blk.0.ffn_down.weight"));

        tensors.add(new TensorDescriptor("shared.ffn_down.weight", new long[] {512, 256}, GgmlType.F32));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new QuantizationPlanner().plan(tensors, metadata, LlamaFileType.Q4_K_M, QuantizeOptions.defaults()));
        assertTrue(e.getMessage().startsWith("tensor shared.ffn_down.weight of a MoE model must be named blk.N."), e.getMessage());
    }

    @Test
    void a70BLlamaGivesAttnVFiveBits() {
        SyntheticLlama llama70B = new SyntheticLlama(80, 256, 512, 8, 1, 256, false);
        QuantizationPlan plan = llama70B.plan(LlamaFileType.Q3_K_M, QuantizeOptions.defaults());
        assertEquals(GgmlType.Q5_K, type(plan, "blk.40.attn_v.weight"));
        SyntheticLlama llama65B = new SyntheticLlama(80, 256, 512, 8, 8, 256, false);
        assertEquals(GgmlType.Q4_K, type(llama65B.plan(LlamaFileType.Q3_K_M, QuantizeOptions.defaults()), "blk.40.attn_v.weight"));
    }

    @Test
    void floatFileTypesConvertEveryWeightMatrixAndNothingElse() {
        QuantizationPlan plan = P1.plan(LlamaFileType.BF16, QuantizeOptions.defaults().withOutputTensorType(GgmlType.Q8_0));
        assertEquals(GgmlType.BF16, type(plan, "blk.0.ffn_up.weight"));
        assertEquals(GgmlType.F32, type(plan, "blk.0.ffn_norm.weight"));
        assertEquals(GgmlType.Q8_0, type(plan, "output.weight"), "--output-tensor-type applies to float file types too");
        assertEquals(32, plan.fileTypeId());
    }

    @Test
    void metadataMustNameTheArchitectureAndItsLayerCount() {
        Map<String, GgufValue> metadata = P1.metadata();
        metadata.remove("llama.block_count");
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new QuantizationPlanner().plan(P1.tensors(), metadata, LlamaFileType.Q4_K_M, QuantizeOptions.defaults()));
        assertEquals("model metadata has no llama.block_count", e.getMessage());
        List<TensorDescriptor> twice = new ArrayList<>(P1.tensors());
        twice.add(twice.get(0));
        assertThrows(InvalidInputException.class,
                () -> new QuantizationPlanner().plan(twice, P1.metadata(), LlamaFileType.Q4_K_M, QuantizeOptions.defaults()));
    }

    private static GgmlType type(QuantizationPlan plan, String name) {
        return plan.tensor(name).orElseThrow(() -> new AssertionError("no tensor " + name)).targetType();
    }
}
