package dev.quantforge.common.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * One topic as the API and the workers create it when it is missing: both build it from the same
 * {@link TopicSettings}, so it does not matter which of them starts first.
 *
 * @param configs topic-level configuration ({@code retention.ms}, ...); empty keeps the broker's defaults
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    /**
     * A starting worker reads the control topic back over its cancel look-back (7 days by default) to learn which
     * jobs were cancelled, so the topic keeps that long whatever the broker's default retention is.
     */
    static final Map<String, String> CONTROL_CONFIGS = Map.of("cleanup.policy", "delete",
            "retention.ms", Long.toString(Duration.ofDays(7).toMillis()));

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a topic needs a name");
        }
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions and replication factor must be at least 1, got "
                    + partitions + " and " + replicationFactor);
        }
        configs = Map.copyOf(configs);
    }

    /** The task, event, control and catalog topics; they must have four different names. */
    public static List<TopicSpec> of(TopicSettings topics) {
        short replication = topics.replicationFactor();
        List<TopicSpec> specs = List.of(
                new TopicSpec(topics.tasks().name(), topics.tasks().partitions(), replication, Map.of()),
                new TopicSpec(topics.events().name(), topics.events().partitions(), replication, Map.of()),
                new TopicSpec(topics.control().name(), topics.control().partitions(), replication, CONTROL_CONFIGS),
                new TopicSpec(topics.catalog().name(), topics.catalog().partitions(), replication, Map.of()));
        if (new HashSet<>(specs.stream().map(TopicSpec::name).toList()).size() < specs.size()) {
            throw new IllegalArgumentException("the task, event, control and catalog topics must differ: "
                    + specs.stream().map(TopicSpec::name).toList());
        }
        return specs;
    }
}
