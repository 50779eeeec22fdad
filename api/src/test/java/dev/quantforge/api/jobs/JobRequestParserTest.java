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
        Map<String, String> errors = errors("{'source': {'uri': 'https://x/y', 'format': 'onnx', 'region': 'eu'},"
                + " 'targets': ['laptop', {'format': 'mlx', 'ftype': 'Q9'}, 7,"
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
        assertEquals("'mlx' is not supported; supported: gguf", errors.get("targets[1].format"));
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
}
