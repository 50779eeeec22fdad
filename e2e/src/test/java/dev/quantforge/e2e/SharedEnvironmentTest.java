package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.EnvFile;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One configuration vocabulary: the API and the workers are started from one environment file that renames the
 * topics and gives them partition counts of its own; the services create the topics from it, whichever comes first,
 * and a job runs through them.
 */
@ExtendWith(RunningProduct.class)
class SharedEnvironmentTest {

    @Test
    void theTopicsOfTheSharedFileAreCreatedAsItSaysAndAJobSucceedsOnThem(Product product) throws Exception {
        Map<String, String> shared = EnvFile.read(product.sharedEnvironment());
        Map<String, Integer> partitions = new HashMap<>();
        for (String topic : List.of("TASKS", "EVENTS", "CONTROL")) {
            String settings = "QF_KAFKA_TOPICS_" + topic;
            partitions.put(shared.get(settings + "_NAME"), Integer.valueOf(shared.get(settings + "_PARTITIONS")));
        }
        assertTrue(Collections.disjoint(partitions.keySet(), Set.of("quantforge.tasks", "quantforge.events",
                "quantforge.control")), () -> "the file renames the topics: " + partitions);
        assertTrue(Collections.disjoint(partitions.values(), Set.of(12, 1)),
                () -> "and gives them other partition counts than the defaults: " + partitions);

        S3Uri source = product.uploadStories("models/stories260K-shared-env/");
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source.toString()).put("format", "hf");
        request.putArray("targets").add("arm-mobile");
        UUID id = UUID.fromString(product.api().submitAccepted(request).path("id").asText());
        JsonNode job = product.api().awaitEnd(id, Duration.ofSeconds(90));
        assertEquals("SUCCEEDED", job.path("state").asText(), job::toPrettyString);

        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                shared.get("QF_KAFKA_BOOTSTRAP_SERVERS")))) {
            Map<String, TopicDescription> topics = admin.describeTopics(partitions.keySet()).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            partitions.forEach((name, count) -> assertEquals(count, topics.get(name).partitions().size(), name));
            String controlTopic = shared.get("QF_KAFKA_TOPICS_CONTROL_NAME");
            ConfigResource control = new ConfigResource(ConfigResource.Type.TOPIC, controlTopic);
            Config config = admin.describeConfigs(List.of(control)).all().get(30, TimeUnit.SECONDS).get(control);
            assertEquals(Long.toString(TimeUnit.DAYS.toMillis(7)), config.get("retention.ms").value(),
                    "the control topic keeps the workers' cancel look-back");
        }
    }
}
