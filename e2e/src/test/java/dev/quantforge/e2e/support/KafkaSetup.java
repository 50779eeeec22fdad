package dev.quantforge.e2e.support;

import dev.quantforge.common.messages.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Keeps a run apart from what earlier runs and other modules' tests left on the shared topics: the API and the
 * workers of this run get consumer groups of their own, which start at the topics' current ends. A group new to
 * Kafka would otherwise start at the beginning (the services ask for {@code earliest}, rightly, so that no task is
 * skipped) and the workers would first redo every task ever published on the stack.
 */
final class KafkaSetup {
    /** As the API creates them ({@code QF_KAFKA_PARTITIONS} defaults to 12). */
    static final int PARTITIONS = 12;

    private KafkaSetup() {
    }

    /** Sets each group of {@code groupTopics} (group to topic) at its topic's end; returns the task topic's partitions. */
    static int prepare(String bootstrapServers, Map<String, String> groupTopics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            createTopics(admin);
            for (Map.Entry<String, String> groupTopic : groupTopics.entrySet()) {
                startAtEnd(admin, groupTopic.getKey(), groupTopic.getValue());
            }
            return partitions(admin, Topics.TASKS).size();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot prepare Kafka at " + bootstrapServers + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void createTopics(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = List.of(Topics.TASKS, Topics.EVENTS, Topics.CONTROL).stream()
                .filter(t -> !existing.contains(t)).map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList();
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static void startAtEnd(Admin admin, String group, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = partitions(admin, topic).stream()
                .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest()));
        Map<TopicPartition, OffsetAndMetadata> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
        admin.alterConsumerGroupOffsets(group, ends).all().get(30, TimeUnit.SECONDS);
    }

    private static List<TopicPartition> partitions(Admin admin, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }
}
