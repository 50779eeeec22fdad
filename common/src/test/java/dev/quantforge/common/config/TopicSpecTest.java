package dev.quantforge.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

    /** As the services map it, inside a mapping of their own. */
    @ConfigMapping(prefix = "qf.kafka")
    interface Kafka extends KafkaSettings {
    }

    private static KafkaSettings kafka(Map<String, String> environment) {
        return new SmallRyeConfigBuilder().withMapping(Kafka.class)
                .withSources(new EnvConfigSource(environment, 300)).build().getConfigMapping(Kafka.class);
    }

    @Test
    void theDefaultsAreTheContractsTopicsWithOneControlPartition() {
        KafkaSettings kafka = kafka(Map.of());
        assertEquals("127.0.0.1:19092", kafka.bootstrapServers());
        assertEquals(List.of(new TopicSpec("quantforge.tasks", 12, (short) 1, Map.of()),
                new TopicSpec("quantforge.events", 12, (short) 1, Map.of()),
                new TopicSpec("quantforge.control", 1, (short) 1, TopicSpec.CONTROL_CONFIGS),
                new TopicSpec("quantforge.catalog", 3, (short) 1, Map.of())),
                TopicSpec.of(kafka.topics()));
        assertEquals("604800000", TopicSpec.CONTROL_CONFIGS.get("retention.ms"), "seven days, the workers' look-back");
    }

    private static Map<String, String> pairs(String... keysAndValues) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void environmentVariablesFollowThePropertyNames() {
        KafkaSettings kafka = kafka(pairs("QF_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "QF_KAFKA_TOPICS_TASKS_NAME", "jobs", "QF_KAFKA_TOPICS_TASKS_PARTITIONS", "5",
                "QF_KAFKA_TOPICS_EVENTS_NAME", "reports", "QF_KAFKA_TOPICS_EVENTS_PARTITIONS", "3",
                "QF_KAFKA_TOPICS_CONTROL_NAME", "cancels", "QF_KAFKA_TOPICS_CONTROL_PARTITIONS", "2",
                "QF_KAFKA_TOPICS_CATALOG_NAME", "announcements", "QF_KAFKA_TOPICS_CATALOG_PARTITIONS", "4",
                "QF_KAFKA_TOPICS_REPLICATION_FACTOR", "3", "QF_KAFKA_TOPICS_CREATE", "false"));
        assertEquals("kafka:9092", kafka.bootstrapServers());
        assertFalse(kafka.topics().create());
        assertEquals(List.of(new TopicSpec("jobs", 5, (short) 3, Map.of()), new TopicSpec("reports", 3, (short) 3, Map.of()),
                new TopicSpec("cancels", 2, (short) 3, TopicSpec.CONTROL_CONFIGS),
                new TopicSpec("announcements", 4, (short) 3, Map.of())), TopicSpec.of(kafka.topics()));
    }

    @Test
    void twoTopicsOfOneNameAreRefused() {
        KafkaSettings kafka = kafka(Map.of("QF_KAFKA_TOPICS_EVENTS_NAME", "quantforge.tasks"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicSpec.of(kafka.topics()));
        assertEquals("the task, event, control and catalog topics must differ: [quantforge.tasks, quantforge.tasks, quantforge.control,"
                + " quantforge.catalog]",
                e.getMessage());
    }

    @Test
    void aTopicHasAtLeastOnePartitionAndReplica() {
        TopicSettings noPartitions = kafka(Map.of("QF_KAFKA_TOPICS_TASKS_PARTITIONS", "0")).topics();
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.of(noPartitions));
        assertThrows(IllegalArgumentException.class, () -> new TopicSpec("t", 1, (short) 0, Map.of()));
    }
}
