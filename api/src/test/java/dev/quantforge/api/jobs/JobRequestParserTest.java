package dev.quantforge.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.PublishReference;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.QualityGates;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JobRequestParserTest {

    private final JobRequestParser parser = new JobRequestParser(HardwareProfiles.builtIn());
    private final ObjectMapper json = new ObjectMapper();

    private JobSubmission parse(String body) throws Exception {
        return parser.parse(json.readTree(body.replace('\'', '"')));
    }

    private Map<String, String> errors(String body) {
        ProblemException e = assertThrows(ProblemException.class, () -> parse(body));
        Problem problem = e.toProblem("/api/v1/jobs");
        assertEquals(400, problem.status());
        return problem.errors().stream().collect(Collectors.toMap(FieldError::field, FieldError::message));
    }

    @Test
    void profilesAndRecipesBecomeOneTargetEach() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/llama/stories260K/', 'format': 'HF'},"
                + " 'targets': ['cpu-x86-avx2', {'format': 'gguf', 'ftype': 'q5_k_m'},"
                + "   {'format': 'gguf', 'ftype': 'Q4_K', 'options': {'pure': true, 'tensorTypes': ['attn_v=q8_0']}}],"
                + " 'labels': {'team': 'search'}}");
        assertEquals(SourceFormat.HF, s.sourceFormat());
        assertEquals("stories260K", s.modelName());
        assertEquals("stories260K", s.name());
        assertEquals(Map.of("team", "search"), s.labels());
        assertEquals("cpu-x86-avx2", s.targets().get(0).profile());
        assertEquals(Recipe.gguf("Q4_K_M"), s.targets().get(0).recipe());
        assertNull(s.targets().get(1).profile());
        assertEquals(Recipe.gguf("Q5_K_M"), s.targets().get(1).recipe());
        Recipe custom = s.targets().get(2).recipe();
        assertEquals("Q4_K_M", custom.ftype());
        assertTrue(custom.pure());
        assertEquals(List.of("attn_v=Q8_0"), custom.tensorTypes());
        assertTrue(s.targets().get(2).variant().startsWith("Q4_K_M-custom-"), "options change the variant's name");
    }

    @Test
    void aGgufSourceNamesTheModelAfterItsFile() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/tiny model.gguf', 'format': 'gguf'},"
                + " 'targets': ['arm-mobile'], 'name': ' tiny '}");
        assertEquals("tiny-model", s.modelName());
        assertEquals("tiny", s.name());
    }

    @Test
    void everyInvalidFieldIsNamed() {
        Map<String, String> errors = errors("{'source': {'uri': 'https://x/y', 'format': 'tflite', 'region': 'eu'},"
                + " 'targets': ['laptop', {'format': 'tflite', 'ftype': 'Q9'}, 7,"
                + "   {'format': 'gguf', 'ftype': 'Q8_0', 'options': {'outputTensorType': 'Q4_K_M', 'speed': 1,"
                + "     'pure': 'yes', 'tensorTypes': ['attn_v', '(=Q8_0', 'ffn=Q7']}}],"
                + " 'labels': {'-bad': 'x', 'ok': 3}, 'name': '', 'priority': 1}");
        assertEquals(List.of("labels.-bad", "labels.ok", "name", "priority", "source.format", "source.region",
                        "source.uri", "targets[0]", "targets[1].format", "targets[1].ftype", "targets[2]",
                        "targets[3].options.outputTensorType", "targets[3].options.pure", "targets[3].options.speed",
                        "targets[3].options.tensorTypes[0]", "targets[3].options.tensorTypes[1]",
                        "targets[3].options.tensorTypes[2]"),
                errors.keySet().stream().sorted().toList());
        assertTrue(errors.get("targets[0]").startsWith("unknown profile 'laptop'; known profiles: [cpu-x86-avx2"));
        assertTrue(errors.get("targets[1].ftype").startsWith("unknown file type \"Q9\""));
        assertEquals("'tflite' is not supported; supported: gguf, mlx, onnx, onnx-model", errors.get("targets[1].format"));
    }

    @Test
    void customOnnxModelTargetsMapThroughTheRecipesAndNameTheBadField() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/minilm/model.onnx', 'format': 'onnx'}, 'targets': ["
                + "{'format': 'onnx-model', 'method': 'int8-static', 'perChannel': true, 'calibration': 'percentile'},"
                + " {'format': 'ONNX-MODEL', 'method': 'int8-dynamic', 'reduceRange': false}]}");
        assertEquals(List.of("onnx-int8-static-percentile-pc", "onnx-int8-dynamic"),
                s.targets().stream().map(TargetPlan::variant).toList());
        assertEquals("onnx-model", s.targets().get(0).recipe().format());
        assertEquals(Map.of("perChannel", "true", "calibration", "percentile"), s.targets().get(0).recipe().settings());
        assertEquals(null, s.targets().get(0).profile());

        Map<String, String> bad = errors("{'source': {'uri': 's3://models/minilm/model.onnx', 'format': 'onnx'},"
                + " 'targets': [{'format': 'onnx-model'},"
                + " {'format': 'onnx-model', 'method': 'int8-dynamic', 'calibration': 'entropy'},"
                + " {'format': 'onnx-model', 'method': 'int4', 'perChannel': 'yes', 'blockSize': 32},"
                + " {'format': 'onnx-model', 'method': 'int8-static', 'calibration': 'kl'}]}");
        assertEquals(List.of("targets[0].method", "targets[1].calibration", "targets[2].blockSize", "targets[2].method",
                "targets[2].perChannel", "targets[3].calibration"), bad.keySet().stream().sorted().toList());
        assertTrue(bad.get("targets[1].calibration").contains("int8-static only"), bad.toString());
        assertTrue(bad.get("targets[2].perChannel").contains("true or false"), bad.toString());
        Map<String, String> fromHf = errors("{'source': {'uri': 's3://models/stories260K/', 'format': 'hf'},"
                + " 'targets': [{'format': 'onnx-model', 'method': 'int8-dynamic'}]}");
        assertTrue(fromHf.get("targets[0]").contains("quantizes an ONNX model"), fromHf.toString());
    }

    @Test
    void anOnnxModelSourceTakesTheOnnxModelProfilesOnly() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/minilm/model.onnx', 'format': 'onnx'},"
                + " 'targets': ['cpu-onnx-int8-dynamic', 'npu-qdq-int8'], 'name': 'minilm'}");
        assertEquals(SourceFormat.ONNX, s.sourceFormat());
        assertEquals("minilm", s.modelName());
        assertEquals(List.of("onnx-int8-dynamic-pc-rr", "onnx-int8-static-minmax"),
                s.targets().stream().map(TargetPlan::variant).toList());
        assertEquals("onnx-model", s.targets().get(0).recipe().format());
        assertEquals(0.98, s.targets().get(0).gates().minMeanOutputCosine());

        Map<String, String> mixed = errors("{'source': {'uri': 's3://models/minilm/model.onnx', 'format': 'onnx'},"
                + " 'targets': ['cpu-x86-avx2', 'cpu-onnx-int8-dynamic']}");
        assertEquals(List.of("targets[0]"), List.copyOf(mixed.keySet()));
        assertTrue(mixed.get("targets[0]").contains("takes only onnx-model targets"), mixed.toString());
        Map<String, String> fromHf = errors("{'source': {'uri': 's3://models/stories260K/', 'format': 'hf'},"
                + " 'targets': ['npu-qdq-int8']}");
        assertTrue(fromHf.get("targets[0]").contains("quantizes an ONNX model (source.format \"onnx\")"), fromHf.toString());
        JobSubmission gated = parse("{'source': {'uri': 's3://models/minilm/model.onnx', 'format': 'onnx'},"
                + " 'targets': ['npu-qdq-int8'], 'qualityGates': {'minMeanOutputCosine': 0.9}}");
        assertEquals(0.9, gated.targets().get(0).gates().minMeanOutputCosine());
        assertEquals("must be a number from 0 to 1", errors("{'source': {'uri': 's3://models/minilm/model.onnx',"
                + " 'format': 'onnx'}, 'targets': ['npu-qdq-int8'], 'qualityGates': {'minMeanOutputCosine': 1.5}}")
                .get("qualityGates.minMeanOutputCosine"));
        JobSubmission prefix = parse("{'source': {'uri': 's3://models/minilm/', 'format': 'onnx'},"
                + " 'targets': ['cpu-onnx-int8-dynamic']}");
        assertEquals("minilm", prefix.modelName());
        Map<String, String> other = errors("{'source': {'uri': 's3://models/minilm/model.bin', 'format': 'onnx'},"
                + " 'targets': ['cpu-onnx-int8-dynamic']}");
        assertTrue(other.get("source.uri").contains("one .onnx object, or a prefix"), other.toString());
    }

    @Test
    void mlxTargetsBecomeMlxRecipes() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/stories260K/', 'format': 'hf'},"
                + " 'targets': [{'format': 'mlx', 'bits': 4, 'groupSize': 64}, {'format': 'MLX', 'recipe': 'mixed_3_6'},"
                + "   {'format': 'mlx', 'bits': 8, 'groupSize': 32}, {'format': 'mlx', 'mode': 'mxfp4'},"
                + "   {'format': 'mlx', 'bits': 6, 'dtype': 'bfloat16', 'rounding': 'cpu'}, 'apple-silicon-quality']}");
        assertEquals(List.of("4bit", "mixed_3_6", "8bit-g32", "mxfp4"),
                s.targets().subList(0, 4).stream().map(t -> t.recipe().ftype()).toList());
        for (TargetPlan t : s.targets()) {
            assertEquals("mlx", t.recipe().format());
        }
        assertEquals(new Recipe("mlx", "4bit", false, null, null, false, List.of(), null), s.targets().get(0).recipe());
        assertEquals("4bit", s.targets().get(0).variant());
        assertEquals(Map.of("dtype", "bfloat16", "rounding", "cpu"), s.targets().get(4).recipe().settings());
        assertEquals("6bit", s.targets().get(4).recipe().ftype());
        assertEquals("apple-silicon-quality", s.targets().get(5).profile());
        assertEquals("8bit", s.targets().get(5).recipe().ftype());
        assertTrue(s.targets().get(5).gates().hasLimits());
        // the apple-silicon profile builds the very same variant as the explicit 4-bit target
        assertEquals("builds the same variant (4bit) as targets[0]", errors("{'source': {'uri': 's3://models/m',"
                + " 'format': 'hf'}, 'targets': [{'format': 'mlx', 'bits': 4}, 'apple-silicon']}").get("targets[1]"));
    }

    @Test
    void aBadMlxTargetNamesTheField() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': [{'format': 'mlx', 'bits': 7, 'groupSize': 16, 'ftype': 'Q4_0'},"
                + "   {'format': 'mlx', 'recipe': 'mixed_9_9', 'dtype': 'float8', 'rounding': 'gpu'},"
                + "   {'format': 'mlx', 'mode': 'mxfp4', 'bits': 8, 'groupSize': 64},"
                + "   {'format': 'mlx', 'bits': 4, 'recipe': 'mixed_3_6'}, {'format': 'mlx', 'bits': '4'}]}");
        assertEquals(List.of("targets[0].bits", "targets[0].ftype", "targets[0].groupSize", "targets[1].dtype",
                "targets[1].recipe", "targets[1].rounding", "targets[2].bits", "targets[2].groupSize", "targets[3].bits",
                "targets[4].bits"), errors.keySet().stream().sorted().toList());
        assertEquals("MLX affine quantization takes 2, 3, 4, 5, 6 or 8 bits, not 7", errors.get("targets[0].bits"));
        assertEquals("MLX affine quantization takes groups of 32, 64 or 128, not 16", errors.get("targets[0].groupSize"));
        assertTrue(errors.get("targets[0].ftype").startsWith("is not a known field; known: [bits, dtype, format"),
                errors.get("targets[0].ftype"));
        assertEquals("must be one of [mixed_2_6, mixed_3_4, mixed_3_6, mixed_4_6], not \"mixed_9_9\"",
                errors.get("targets[1].recipe"));
        assertEquals("MLX mxfp4 quantization is in groups of 32, not 64", errors.get("targets[2].groupSize"));
        assertTrue(errors.get("targets[3].bits").contains("give bits or recipe, not both"));
        assertEquals("must be a whole number, not \"4\"", errors.get("targets[4].bits"));
    }

    @Test
    void onnxTargetsBecomeOnnxRecipesWithReadableNames() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/stories260K/', 'format': 'hf'},"
                + " 'targets': [{'format': 'onnx', 'precision': 'int4', 'blockSize': 32},"
                + "   {'format': 'ONNX', 'precision': 'INT8'}, {'format': 'onnx', 'precision': 'fp16'},"
                + "   {'format': 'onnx', 'precision': 'int4', 'blockSize': 128, 'symmetric': true, 'accuracyLevel': 4,"
                + "    'lmHead': 'float'}, 'cpu-onnx-int4', 'gpu-onnx-int4', 'cpu-x86-avx2']}");
        assertEquals(List.of("onnx-int4-b32", "onnx-int8", "onnx-fp16", "onnx-int4-b128-sym-acc4-lmfloat",
                "onnx-int4-b32-acc4", "onnx-int4-b128-fp16act"), s.targets().subList(0, 6).stream().map(TargetPlan::variant).toList());
        Recipe int4 = s.targets().get(0).recipe();
        assertEquals(new Recipe("onnx", "int4", false, null, null, false, List.of(),
                new java.util.TreeMap<>(Map.of("blockSize", "32"))), int4);
        assertEquals(Map.of("blockSize", "128", "symmetric", "true", "accuracyLevel", "4", "lmHead", "float"),
                s.targets().get(3).recipe().settings());
        assertEquals(Map.of(), s.targets().get(1).recipe().settings());
        assertEquals("int8", s.targets().get(1).recipe().ftype());
        assertEquals(Map.of("blockSize", "32", "accuracyLevel", "4"), s.targets().get(4).recipe().settings());
        assertEquals("cpu-onnx-int4", s.targets().get(4).profile());
        assertEquals(Map.of("blockSize", "128", "activations", "fp16"), s.targets().get(5).recipe().settings());
        assertTrue(s.targets().get(4).gates().hasLimits());
        // the cpu-onnx-int8 profile builds the same variant as the explicit int8 target; GGUF and ONNX mix freely
        assertEquals("builds the same variant (onnx-int8) as targets[1]", errors("{'source': {'uri': 's3://models/m/',"
                + " 'format': 'hf'}, 'targets': ['cpu-x86-avx2', {'format': 'onnx', 'precision': 'int8'}, 'cpu-onnx-int8']}")
                .get("targets[2]"));
        // the default block size is spelled out, so asking for it explicitly is the same variant
        assertEquals("builds the same variant (onnx-int4-b32) as targets[0]", errors("{'source': {'uri': 's3://models/m/',"
                + " 'format': 'hf'}, 'targets': [{'format': 'onnx', 'precision': 'int4'},"
                + " {'format': 'onnx', 'precision': 'int4', 'blockSize': 32, 'symmetric': false}]}").get("targets[1]"));
        // float16 activations are a target field, and the gpu-onnx-int4 profile's; fp32, the default, is not spelled
        JobSubmission half = parse("{'source': {'uri': 's3://models/m/', 'format': 'hf'}, 'targets': ["
                + "{'format': 'onnx', 'precision': 'int8', 'activations': 'FP16'},"
                + " {'format': 'onnx', 'precision': 'int4', 'blockSize': 64, 'activations': 'fp32'}]}");
        assertEquals(List.of("onnx-int8-fp16act", "onnx-int4-b64"), half.targets().stream().map(TargetPlan::variant).toList());
        assertEquals(Map.of("activations", "fp16"), half.targets().get(0).recipe().settings());
        assertEquals("builds the same variant (onnx-int4-b128-fp16act) as targets[0]", errors("{'source': {'uri': 's3://models/m/',"
                + " 'format': 'hf'}, 'targets': [{'format': 'onnx', 'precision': 'int4', 'blockSize': 128, 'activations': 'fp16'},"
                + " 'gpu-onnx-int4']}").get("targets[1]"));
    }

    @Test
    void aBadOnnxTargetNamesTheField() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': [{'format': 'onnx', 'precision': 'int4', 'blockSize': 48, 'accuracyLevel': 5, 'bits': 4},"
                + "   {'format': 'onnx', 'precision': 'int3'}, {'format': 'onnx'},"
                + "   {'format': 'onnx', 'precision': 'int8', 'blockSize': 32, 'symmetric': true},"
                + "   {'format': 'onnx', 'precision': 'int4', 'symmetric': 'yes', 'lmHead': 'fp16', 'blockSize': 32.5},"
                + "   {'format': 'onnx', 'precision': 'fp32', 'activations': 'fp16'},"
                + "   {'format': 'onnx', 'precision': 'int4', 'activations': 'bf16'}]}");
        assertEquals(List.of("targets[0].accuracyLevel", "targets[0].bits", "targets[0].blockSize", "targets[1].precision",
                "targets[2].precision", "targets[3].blockSize", "targets[3].symmetric", "targets[4].blockSize",
                "targets[4].lmHead", "targets[4].symmetric", "targets[5].activations", "targets[6].activations"),
                errors.keySet().stream().sorted().toList());
        assertEquals("fp16 activations apply to int8 and int4 only, not to precision fp32 (fp32 and fp16 fix theirs)",
                errors.get("targets[5].activations"));
        assertEquals("must be one of [fp16, fp32], not \"bf16\"", errors.get("targets[6].activations"));
        assertEquals("ONNX int4 blocks are 16, 32, 64, 128 or 256 elements, not 48", errors.get("targets[0].blockSize"));
        assertTrue(errors.get("targets[0].accuracyLevel").startsWith("MatMulNBits' accuracy_level is 0 to 4"),
                errors.get("targets[0].accuracyLevel"));
        assertTrue(errors.get("targets[0].bits").startsWith("is not a known field; known: [accuracyLevel, activations, blockSize"),
                errors.get("targets[0].bits"));
        assertEquals("must be one of [fp16, fp32, int4, int8], not \"int3\"", errors.get("targets[1].precision"));
        assertEquals("is required: one of [fp16, fp32, int4, int8]", errors.get("targets[2].precision"));
        assertEquals("applies to int4 only, not to precision int8", errors.get("targets[3].blockSize"));
        assertEquals("must be true or false, not \"yes\"", errors.get("targets[4].symmetric"));
        assertEquals("must be one of [float, quantize], not \"fp16\"", errors.get("targets[4].lmHead"));
        assertEquals("must be a whole number, not 32.5", errors.get("targets[4].blockSize"));
    }

    @Test
    void anOnnxTargetNeedsAHuggingFaceSource() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/m.gguf', 'format': 'gguf'},"
                + " 'targets': ['arm-mobile', 'cpu-onnx-int8', {'format': 'onnx', 'precision': 'int4'}]}");
        assertEquals(List.of("targets[1]", "targets[2]"), errors.keySet().stream().sorted().toList());
        assertTrue(errors.get("targets[1]").startsWith("an ONNX variant is exported from a Hugging Face checkpoint"),
                errors.get("targets[1]"));
    }

    @Test
    void anMlxTargetNeedsAHuggingFaceSource() {
        assertTrue(errors("{'source': {'uri': 's3://models/m.gguf', 'format': 'gguf'}, 'targets': ['apple-silicon']}")
                .get("targets[0]").contains("made from a Hugging Face checkpoint"));
    }

    @Test
    void requiredFieldsAreNamedWhenMissing() {
        assertEquals(List.of("source", "targets"), errors("{}").keySet().stream().sorted().toList());
        assertEquals(List.of("source.format", "source.uri", "targets"),
                errors("{'source': {}, 'targets': []}").keySet().stream().sorted().toList());
        assertTrue(errors("{'source': {'uri': 's3://models/', 'format': 'gguf'}, 'targets': ['arm-mobile']}")
                .get("source.uri").contains("names a prefix"));
    }

    @Test
    void twoTargetsMustNotBuildTheSameVariant() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': ['cpu-x86-avx2', {'format': 'gguf', 'ftype': 'Q4_K_M'}]}");
        assertEquals("builds the same variant (Q4_K_M) as targets[0]", errors.get("targets[1]"));
    }

    @Test
    void theBodyMustBeAnObject() {
        assertEquals(Map.of("body", "must be a JSON object"), errors("['cpu-x86-avx2']"));
    }

    @Test
    void eachTargetIsHeldToItsProfilesGatesUnlessTheJobSetsItsOwn() throws Exception {
        JobSubmission plain = parse("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': ['cpu-x86-avx2', {'format': 'gguf', 'ftype': 'Q8_0'}]}");
        assertEquals(new QualityGates(0.1, 10.0, null), plain.targets().get(0).gates());
        assertEquals(QualityGates.NONE, plain.targets().get(1).gates(), "an explicit recipe has no gates");
        assertTrue(plain.evalText().isEmpty());

        JobSubmission own = parse("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': ['cpu-x86-avx2', {'format': 'gguf', 'ftype': 'Q8_0'}],"
                + " 'evalText': 's3://texts/wiki/eval.txt',"
                + " 'qualityGates': {'maxMeanKld': 0.02, 'minSameTopPercent': 100}}");
        QualityGates jobGates = new QualityGates(0.02, null, 100.0);
        assertEquals(List.of(jobGates, jobGates), own.targets().stream().map(TargetPlan::gates).toList());
        assertEquals("s3://texts/wiki/eval.txt", own.evalText().orElseThrow().toString());

        JobSubmission none = parse("{'source': {'uri': 's3://models/m', 'format': 'hf'},"
                + " 'targets': ['cpu-x86-avx2'], 'qualityGates': {}}");
        assertEquals(QualityGates.NONE, none.targets().get(0).gates(), "{} switches the gates off for the job");
    }

    @Test
    void aMalformedEvalTextOrQualityGateIsNamed() {
        String source = "{'source': {'uri': 's3://models/m', 'format': 'hf'}, 'targets': ['arm-mobile'], ";
        assertEquals(Map.of("evalText", "'https://x/eval.txt' is not an s3:// URI"),
                errors(source + "'evalText': 'https://x/eval.txt'}"));
        assertEquals(List.of("evalText"), List.copyOf(errors(source + "'evalText': 's3://texts/dir/'}").keySet()));
        assertEquals(List.of("evalText"), List.copyOf(errors(source + "'evalText': 7}").keySet()));
        Map<String, String> gates = errors(source + "'qualityGates': {'maxMeanKld': -0.1,"
                + " 'maxPerplexityIncreasePercent': '5', 'minSameTopPercent': 101, 'maxKld': 1}}");
        assertEquals("must be a non-negative number", gates.get("qualityGates.maxMeanKld"));
        assertEquals("must be a non-negative number", gates.get("qualityGates.maxPerplexityIncreasePercent"));
        assertEquals("must be a number from 0 to 100", gates.get("qualityGates.minSameTopPercent"));
        assertTrue(gates.get("qualityGates.maxKld").startsWith("is not a known field"));
        assertEquals(4, gates.size());
        assertEquals(List.of("qualityGates"), List.copyOf(errors(source + "'qualityGates': 0.1}").keySet()));
    }

    @Test
    void publishTargetsAreKeptAsGivenAndResolvedPerVariant() throws Exception {
        JobSubmission s = parse("{'source': {'uri': 's3://models/stories260K/', 'format': 'hf'},"
                + " 'targets': ['cpu-x86-avx2', 'arm-mobile'],"
                + " 'publish': [{'oci': 'oci://registry.example.com/models/llama'},"
                + "   {'oci': 'registry.example.com:5000/team/models/llama:v1', 'format': 'ModelPack'}]}");
        assertEquals(List.of(new PublishTarget("registry.example.com/models/llama", "ollama"),
                new PublishTarget("registry.example.com:5000/team/models/llama:v1", "modelpack")), s.publish());
        PublishReference untagged = PublishReference.parse(s.publish().get(0).oci());
        PublishReference tagged = PublishReference.parse(s.publish().get(1).oci());
        // without a tag the variant is the tag; with a tag and several variants, the tag and the variant
        assertEquals("registry.example.com/models/llama:Q4_K_M", untagged.forVariant("Q4_K_M", true));
        assertEquals("registry.example.com:5000/team/models/llama:v1-Q4_0", tagged.forVariant("Q4_0", true));
        // with a tag and one variant, the tag as given
        assertEquals("registry.example.com:5000/team/models/llama:v1", tagged.forVariant("Q4_0", false));
        assertEquals(List.of(), parse("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': ['arm-mobile']}")
                .publish());
    }

    @Test
    void everyBadPublishTargetIsNamed() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'},"
                + " 'targets': ['arm-mobile'],"
                + " 'publish': [{'oci': 'registry.example.com/Models/Llama:q4'},"
                + "   {'oci': 'registry.example.com/models/llama:q4', 'format': 'docker'},"
                + "   {'oci': 'llama:q4'},"
                + "   {'format': 'ollama', 'insecure': true},"
                + "   {'oci': 'registry.example.com/llama:q4'},"
                + "   {'oci': 'registry.example.com/models/llama:-q4'},"
                + "   {'oci': 'registry.example.com/models/llama@sha256:abc'},"
                + "   'registry.example.com/models/llama']}");
        assertTrue(errors.get("publish[0].oci").contains("lower-case"), errors::toString);
        assertTrue(errors.get("publish[1].format").contains("[modelpack, ollama]"), errors::toString);
        assertTrue(errors.get("publish[2].oci").contains("HOST[:PORT]/REPO[:TAG]"), errors::toString);
        assertTrue(errors.get("publish[3].oci").startsWith("is required"), errors::toString);
        assertTrue(errors.get("publish[3].insecure").startsWith("is not a known field"), errors::toString);
        assertTrue(errors.get("publish[4].oci").contains("NAMESPACE/MODEL"), errors::toString);
        assertTrue(errors.get("publish[5].oci").contains("tag '-q4'"), errors::toString);
        assertTrue(errors.get("publish[6].oci").contains("digest"), errors::toString);
        assertTrue(errors.get("publish[7]").startsWith("must be an object"), errors::toString);
        // a ModelPack repository may have any depth
        assertTrue(!errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': ['arm-mobile'], 'name': 7,"
                + " 'publish': [{'oci': '127.0.0.1:15000/llama', 'format': 'modelpack'}]}").containsKey("publish[0].oci"));
    }

    @Test
    void publishIsLimitedAndNeverPushesTwoVariantsToOneTag() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= JobRequestParser.MAX_PUBLISH; i++) {
            many.append(i == 0 ? "" : ",").append("{'oci': 'r.example.com/models/m").append(i).append("'}");
        }
        assertTrue(errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': ['arm-mobile'],"
                + " 'publish': [" + many + "]}").get("publish").contains("at most " + JobRequestParser.MAX_PUBLISH));
        assertEquals("must be a list of {\"oci\": \"HOST[:PORT]/REPO[:TAG]\", \"format\": \"ollama\" | \"modelpack\"}",
                errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': ['arm-mobile'],"
                        + " 'publish': {'oci': 'r.example.com/models/m'}}").get("publish"));
        // the same reference twice (another format does not make it another place)
        Map<String, String> twice = errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': ['arm-mobile'],"
                + " 'publish': [{'oci': 'r.example.com/models/m:a'}, {'oci': 'oci://r.example.com/models/m:a', 'format': 'modelpack'}]}");
        assertEquals("pushes variant Q4_0 to r.example.com/models/m:a, as publish[0] does", twice.get("publish[1].oci"));
        // an MLX directory is not pushed
        assertTrue(errors("{'source': {'uri': 's3://models/x/', 'format': 'hf'}, 'targets': [{'format': 'mlx'}],"
                + " 'publish': [{'oci': 'r.example.com/models/m'}]}").get("publish").contains("targets[0] builds an MLX directory"));
    }

    @Test
    void aTensorPatternOverTheCapIsRefused() {
        Map<String, String> errors = errors("{'source': {'uri': 's3://models/m/', 'format': 'hf'}, 'targets': [{'format':"
                + " 'gguf', 'ftype': 'Q4_K_M', 'options': {'tensorTypes': ['" + "a".repeat(201) + "=q8_0']}}]}");
        assertEquals(Map.of("targets[0].options.tensorTypes[0]", "a pattern is at most 200 characters"), errors);
    }
}
