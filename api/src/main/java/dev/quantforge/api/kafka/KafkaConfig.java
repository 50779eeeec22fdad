package dev.quantforge.api.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the API sets up its topics; where Kafka is comes from {@code kafka.bootstrap.servers}. */
@ConfigMapping(prefix = "quantforge.kafka")
public interface KafkaConfig {

    /** Create the topics at startup when they are missing (off where operators manage topics). */
    @WithDefault("true")
    boolean createTopics();

    /** Partitions of a created topic: the most workers that can build tasks at once. */
    @WithDefault("12")
    int partitions();

    @WithDefault("1")
    short replicationFactor();
}
