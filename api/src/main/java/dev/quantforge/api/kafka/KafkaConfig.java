package dev.quantforge.api.kafka;

import dev.quantforge.common.messages.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The topics between API and workers; where Kafka is comes from {@code kafka.bootstrap.servers}. */
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

    /** The topics' names: the contract's, unless a test or a second installation on one cluster needs others. */
    TopicNames topics();

    interface TopicNames {
        @WithDefault(Topics.TASKS)
        String tasks();

        @WithDefault(Topics.EVENTS)
        String events();

        @WithDefault(Topics.CONTROL)
        String control();
    }
}
