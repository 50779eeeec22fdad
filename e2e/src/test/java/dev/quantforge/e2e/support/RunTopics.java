package dev.quantforge.e2e.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 * so tasks and events that earlier runs or other modules' tests left on the stack are never picked up. The services
 * create the topics (whichever starts first, from the same settings: {@link #environment()}, with partition counts
 * other than the defaults, so that a run shows they are taken from there); they are deleted after the services
 * stopped.
 */
final class RunTopics implements AutoCloseable {
    /** Partitions of the task topic: an even share for each of {@link Product#WORKERS} workers. */
    static final int TASK_PARTITIONS = 6;
    static final int EVENT_PARTITIONS = 4;
    static final int CONTROL_PARTITIONS = 2;

    private final String bootstrapServers;
    private final String runId;

    private RunTopics(String bootstrapServers, String runId) {
        this.bootstrapServers = bootstrapServers;
        this.runId = runId;
    }

    static RunTopics create(String bootstrapServers, String runId) {
        return new RunTopics(bootstrapServers, runId);
    }

    /** The settings of these topics and groups, as both services read them. */
    Map<String, String> environment() {
        return Map.of(
                "QF_KAFKA_TOPICS_TASKS_NAME", tasks(),
                "QF_KAFKA_TOPICS_TASKS_PARTITIONS", String.valueOf(TASK_PARTITIONS),
                "QF_KAFKA_TOPICS_EVENTS_NAME", events(),
                "QF_KAFKA_TOPICS_EVENTS_PARTITIONS", String.valueOf(EVENT_PARTITIONS),
                "QF_KAFKA_TOPICS_CONTROL_NAME", control(),
                "QF_KAFKA_TOPICS_CONTROL_PARTITIONS", String.valueOf(CONTROL_PARTITIONS),
                "QF_KAFKA_TOPICS_CATALOG_NAME", catalog(),
                "QF_WORKER_GROUP", workersGroup(),
                "QF_EVENTS_GROUP", apiGroup());
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

    String catalog() {
        return runId + ".catalog";
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
        return List.of(tasks(), events(), control(), catalog());
    }

    private Admin admin() {
        return Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Waits for {@code call}; a failure that only says the thing is already gone ({@code gone}) is none. */
    private void await(KafkaFuture<Void> call, Class<? extends Exception> gone) {
        try {
            call.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!gone.isInstance(e.getCause())) {
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
