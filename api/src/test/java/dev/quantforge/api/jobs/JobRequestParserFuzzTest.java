package dev.quantforge.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.limits.JsonDepthLimit;
import dev.quantforge.api.limits.RequestLimitsConfig;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.common.profiles.HardwareProfiles;
import java.io.ByteArrayInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A job request body of any bytes is read as the API reads it (its ObjectMapper, with the JSON depth limit) and
 * validated: it becomes a submission, or a 4xx problem whose fields and messages are one line each. Nothing
 * else may come out, since anything else would be a 500 (docs/fuzzing.md).
 */
class JobRequestParserFuzzTest {

    private static final ObjectMapper JSON = apiMapper();
    private static final JobRequestParser PARSER = new JobRequestParser(HardwareProfiles.builtIn());

    @FuzzTest(maxDuration = "20s")
    void parse(byte[] body) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(new ByteArrayInputStream(body));
        } catch (JsonProcessingException | CharConversionException e) {
            // ProblemMappers answers both with a 400 naming the body; the second is Jackson taking the bytes for
            // UTF-32 (kept: crash-a96c717d…, and RequestLimitsTest sends such bytes to the running API)
            return;
        }
        try {
            PARSER.parse(tree);
        } catch (ProblemException e) {
            Problem problem = e.toProblem("/api/v1/jobs");
            assertTrue(problem.status() >= 400 && problem.status() < 500, "status " + problem.status());
            for (FieldError error : problem.errors()) {
                // a field may be named "" (the client sent a key "": crash-fb949412…), never two lines
                assertTrue(error.field().lines().count() <= 1, error.field());
                assertEquals(1, error.message().lines().count(), error.message());
            }
        }
    }

    @Test
    void theSeedsAreValidRequests() throws Exception {
        for (Path seed : seeds()) {
            JobSubmission submission = PARSER.parse(JSON.readTree(Files.readAllBytes(seed)));
            assertTrue(!submission.targets().isEmpty(), seed.toString());
        }
    }

    private static List<Path> seeds() throws IOException, URISyntaxException {
        Path dir = Path.of(JobRequestParserFuzzTest.class.getResource("JobRequestParserFuzzTestInputs/parse").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().matches("(crash|timeout|oom|slow-unit)-.*")).sorted()
                    .toList();
        }
    }

    private static ObjectMapper apiMapper() {
        ObjectMapper json = new ObjectMapper();
        new JsonDepthLimit(new RequestLimitsConfig() {
            @Override
            public int maxBodyBytes() {
                return 65536;
            }

            @Override
            public int maxJsonDepth() {
                return 32;
            }
        }).customize(json);
        return json;
    }
}
