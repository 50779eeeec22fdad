package dev.quantforge.common.config;

import dev.quantforge.common.messages.Topics;
import io.smallrye.config.WithDefault;

/**
 * {@code qf.kafka.topics.*}: the names and shapes of the topics between the API and the workers. Whichever
 * service starts first creates the missing ones from these settings ({@link TopicSpec#of}), so both must be
 * given the same values.
 */
public interface TopicSettings {

    /** Create missing topics at start; off where operators manage the topics. */
    @WithDefault("true")
    boolean create();

    @WithDefault("1")
    short replicationFactor();

    Tasks tasks();

    Events events();

    Control control();

    Catalog catalog();

    interface Tasks {
        @WithDefault(Topics.TASKS)
        String name();

        /** The most workers that can build tasks at once: each partition goes to one worker of the group. */
        @WithDefault("12")
        int partitions();
    }

    interface Events {
        @WithDefault(Topics.EVENTS)
        String name();

        /** The most API instances that can apply events at once. */
        @WithDefault("12")
        int partitions();
    }

    interface Control {
        @WithDefault(Topics.CONTROL)
        String name();

        /** Every worker reads the whole topic, so more partitions share no load; one keeps the cancellations in order. */
        @WithDefault("1")
        int partitions();
    }

    interface Catalog {
        @WithDefault(Topics.CATALOG)
        String name();

        /** CloudEvents for the systems around quantforge, keyed by model name: a model's events keep their order. */
        @WithDefault("3")
        int partitions();
    }
}
