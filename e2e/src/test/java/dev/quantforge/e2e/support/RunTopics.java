package dev.quantforge.e2e.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kafka topics and consumer groups of one run, named after it: the run's API and workers talk over these only,
 * so tasks and events that earlier runs or other modules' tests left on the stack are never picked up. Created
 * before the services start (each would create missing topics, racing the other) and deleted after they stopped.
 */
final class RunTopics implements AutoCloseable {
    /** As the API and the workers create topics by default: the most workers that can share a job. */
    static final int PARTITIONS = 12;

    private final String bootstrapServers;
    private final String runId;

    private RunTopics(String bootstrapServers, String runId) {
        this.bootstrapServers = bootstrapServers;
        this.runId = runId;
    }

    static RunTopics create(String bootstrapServers, String runId) {
        RunTopics topics = new RunTopics(bootstrapServers, runId);
        try (Admin admin = topics.admin()) {
            topics.await(admin.createTopics(topics.all().stream().map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList())
                    .all(), null);
        }
        return topics;
    }

    String tasks() {
        return runId + ".tasks";
    }

    String events() {
        return runId + ".events";
    }

    String control() {
        return runId + ".control";
    }

    String workersGroup() {
        return runId + "-workers";
    }

    String apiGroup() {
        return runId + "-api";
    }

    @Override
    public void close() {
        try (Admin admin = admin()) {
            await(admin.deleteConsumerGroups(List.of(workersGroup(), apiGroup())).all(), GroupIdNotFoundException.class);
            await(admin.deleteTopics(all()).all(), UnknownTopicOrPartitionException.class);
        }
    }

    private List<String> all() {
        return List.of(tasks(), events(), control());
    }

    private Admin admin() {
        return Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Waits for {@code call}; a failure that only says the thing is already gone ({@code gone}) is none. */
    private void await(KafkaFuture<Void> call, Class<? extends Exception> gone) {
        try {
            call.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (gone == null || !gone.isInstance(e.getCause())) {
                throw new IllegalStateException("Kafka at " + bootstrapServers + ": " + e.getCause().getMessage(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
