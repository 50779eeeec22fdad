package dev.quantforge.api.kafka;

import dev.quantforge.common.config.TopicSpec;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics between API and workers when they are missing, with enough partitions for
 * the workers to share the tasks (auto-created topics would get the broker's default, often one).
 * The workers create them from the same {@link TopicSpec}s, so whoever comes first decides nothing.
 */
@ApplicationScoped
public class KafkaTopics {

    private static final Logger LOG = Logger.getLogger(KafkaTopics.class);

    private final KafkaConfig config;
    private final KafkaClients clients;

    public KafkaTopics(KafkaConfig config, KafkaClients clients) {
        this.config = config;
        this.clients = clients;
    }

    /**
     * Before the other start-up observers (default priority): the event consumer's first poll would otherwise make
     * the broker auto-create the events topic with its default partition count.
     */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent start) {
        if (!config.topics().create()) {
            return;
        }
        try (Admin admin = clients.admin()) {
            Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
            List<NewTopic> missing = TopicSpec.of(config.topics()).stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), t.replicationFactor()).configs(t.configs())).toList();
            for (KafkaFuture<Void> created : admin.createTopics(missing).values().values()) {
                try {
                    created.get(15, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // A worker starting at the same time created it, from the same specification.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!missing.isEmpty()) {
                LOG.infof("created Kafka topics %s", missing.stream().map(NewTopic::name).toList());
            }
        } catch (ExecutionException | TimeoutException e) {
            // Not fatal: the relay and the consumer retry, and readiness reports Kafka as down.
            LOG.warnf("could not check or create the Kafka topics: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
