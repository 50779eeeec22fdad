package dev.quantforge.api.kafka;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.jboss.logging.Logger;

/**
 * Creates the topics between API and workers when they are missing, with enough partitions for
 * the workers to share the tasks (auto-created topics would get the broker's default, often one).
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

    void onStart(@Observes StartupEvent start) {
        if (!config.createTopics()) {
            return;
        }
        try (Admin admin = clients.admin()) {
            Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
            List<String> topics = List.of(config.topics().tasks(), config.topics().events(), config.topics().control());
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, config.partitions(), config.replicationFactor())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(15, TimeUnit.SECONDS);
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
