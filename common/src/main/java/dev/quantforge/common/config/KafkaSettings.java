package dev.quantforge.common.config;

import io.smallrye.config.WithDefault;

/**
 * {@code qf.kafka.*}: where Kafka is and the topics between the API and the workers. Both services map it (each
 * inside its own {@code @ConfigMapping}), so one setting has one name and one default for both; in the
 * environment it is SmallRye's name for it, e.g. {@code qf.kafka.topics.tasks.partitions} is
 * {@code QF_KAFKA_TOPICS_TASKS_PARTITIONS}.
 */
public interface KafkaSettings {

    /** Copied into {@code kafka.bootstrap.servers} (application.properties), which every Kafka client is built from. */
    @WithDefault("127.0.0.1:19092")
    String bootstrapServers();

    TopicSettings topics();
}
