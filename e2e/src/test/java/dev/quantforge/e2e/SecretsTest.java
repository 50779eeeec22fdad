package dev.quantforge.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The credentials of a run (the operator key the API was started with, the API key the tests call it with, the S3
 * secret key) appear in none of its services' logs, database rows (jobs, tasks, outbox events, catalog, keys), refusals or
 * manifests, after a job has run end to end.
 */
@ExtendWith(RunningProduct.class)
class SecretsTest {

    @Test
    void noCredentialIsInTheRunsLogsRecordsEventsOrManifests(Product product) throws Exception {
        S3Uri source = product.uploadStories("models/secrets-stories260K/");
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        request.putArray("targets").add("arm-mobile");
        UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());
        JsonNode job = product.api().awaitEnd(id, Duration.ofMinutes(3));
        assertEquals("SUCCEEDED", job.path("state").asText(), job::toString);
        ApiClient.Reply refused = product.api().withKey(product.apiKey() + "x").get("/api/v1/jobs");
        assertEquals(401, refused.status());

        List<String> secrets = new ArrayList<>(product.secrets());
        secrets.add(product.s3SecretKey());
        assertEquals(3, secrets.size());
        StringBuilder records = new StringBuilder(product.databaseRows()).append(refused.body());
        for (JsonNode task : job.path("tasks")) {
            String manifest = task.path("result").path("manifestUri").asText();
            records.append(new String(product.storage().read(S3Uri.parse(manifest)), StandardCharsets.UTF_8));
        }
        assertTrue(records.indexOf(id.toString()) >= 0 && records.indexOf("\"sha256\"") >= 0,
                "the records searched hold the job and its manifest");
        List<Path> logs;
        try (Stream<Path> files = Files.walk(product.dir())) {
            // the services' and the browser's logs; not stack-up.log, where deploy/local prints the local stack's
            // fixed development credentials for the developer who started it
            logs = files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .filter(f -> !f.getFileName().toString().equals("stack-up.log")).toList();
        }
        assertTrue(logs.stream().anyMatch(f -> f.getFileName().toString().equals("api.log")), logs::toString);
        for (String secret : secrets) {
            assertFalse(records.indexOf(secret) >= 0, "a credential is in the run's records");
            for (Path log : logs) {
                assertFalse(read(log).contains(secret), "a credential is in " + log);
            }
        }
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
