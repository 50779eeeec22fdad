package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client gets back from the running service when it retries, or asks for something it cannot have. */
@ExtendWith(RunningProduct.class)
class SubmitProblemsTest {
    private static ApiClient api;
    private static S3Uri source;

    @BeforeAll
    static void upload(Product product) {
        api = product.api();
        source = product.uploadStories("models/stories260K-problems/");
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameJobForTheSameBodyAnd409ForAnother() {
        String key = "e2e-" + UUID.randomUUID();
        String body = request(source.toString(), "\"arm-mobile\"");
        ApiClient.Reply first = api.submit(body, key);
        assertEquals(202, first.status(), () -> first.body().toString());

        // the same request with its fields in another order and other spacing is the same request
        ApiClient.Reply again = api.submit("{ \"targets\": [\"arm-mobile\"],\n  \"source\": {\"format\": \"hf\", \"uri\": \""
                + source + "\"} }", key);
        assertEquals(200, again.status(), () -> again.body().toString());
        assertEquals(first.id(), again.id(), "the same job");
        assertEquals(first.location(), again.location());

        ApiClient.Reply other = api.submit(request(source.toString(), "\"cpu-server-quality\""), key);
        assertEquals(409, other.status(), () -> other.body().toString());
        assertProblem(other);
        assertTrue(other.body().path("detail").asText().contains(key), () -> other.body().toString());
    }

    @Test
    void aSourceThatIsNotThereIs422() {
        String missing = new S3Uri(source.bucket(), "models/no-such-model/").toString();
        ApiClient.Reply reply = api.submit(request(missing, "\"arm-mobile\""), null);

        assertEquals(422, reply.status(), () -> reply.body().toString());
        assertProblem(reply);
        assertTrue(reply.body().path("detail").asText().contains(missing), () -> reply.body().toString());
    }

    @Test
    void anUnknownProfileIs400NamingTheTarget() {
        ApiClient.Reply reply = api.submit(request(source.toString(), "\"arm-mobile\", \"quantum-toaster\""), null);

        assertEquals(400, reply.status(), () -> reply.body().toString());
        assertProblem(reply);
        assertEquals(List.of("targets[1]"), fields(reply.body()), () -> reply.body().toString());
        assertTrue(reply.body().toString().contains("quantum-toaster"), () -> reply.body().toString());
    }

    @Test
    void aBodyWithAWrongFieldIs400NamingThatField() {
        ObjectNode body = ApiClient.json().createObjectNode();
        body.putObject("source").put("uri", "http://not-s3/model").put("format", "hf");
        body.putArray("targets").addObject().put("format", "gguf").put("ftype", "Q9_9");

        ApiClient.Reply reply = api.submit(body);

        assertEquals(400, reply.status(), () -> reply.body().toString());
        assertProblem(reply);
        assertEquals(List.of("source.uri", "targets[0].ftype"), fields(reply.body()), () -> reply.body().toString());
    }

    @Test
    void aBodyThatIsNotJsonIs400NamingTheBody() {
        ApiClient.Reply reply = api.submit("{\"source\": {\"uri\": ", null);

        assertEquals(400, reply.status(), () -> String.valueOf(reply.body()));
        assertProblem(reply);
        assertEquals(List.of("body"), fields(reply.body()), () -> reply.body().toString());
    }

    private static String request(String uri, String targets) {
        return "{\"source\": {\"uri\": \"" + uri + "\", \"format\": \"hf\"}, \"targets\": [" + targets + "]}";
    }

    /** RFC 9457: the media type and the members every problem has. */
    private static void assertProblem(ApiClient.Reply reply) {
        assertTrue(reply.isProblem(), () -> "content type " + reply.contentType());
        JsonNode problem = reply.body();
        assertEquals(reply.status(), problem.path("status").asInt());
        assertTrue(problem.path("type").isTextual() && problem.path("title").isTextual() && problem.path("detail").isTextual(),
                problem::toString);
    }

    private static List<String> fields(JsonNode problem) {
        List<String> fields = new ArrayList<>();
        problem.path("errors").forEach(e -> fields.add(e.path("field").asText()));
        return fields;
    }
}
