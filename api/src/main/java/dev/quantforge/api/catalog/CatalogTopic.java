package dev.quantforge.api.catalog;

import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.outbox.Outbox;
import dev.quantforge.api.outbox.OutboxRecord;
import dev.quantforge.api.registries.CatalogAnnouncement;
import dev.quantforge.api.registries.RegistryAdapter;
import io.cloudevents.jackson.JsonFormat;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The built-in adapter for Kafka: every announcement goes through the outbox to the catalog topic, keyed by model
 * name, with the structured-mode CloudEvents content type.
 */
@ApplicationScoped
public class CatalogTopic implements RegistryAdapter {

    private final Outbox outbox;
    private final KafkaConfig kafka;

    public CatalogTopic(Outbox outbox, KafkaConfig kafka) {
        this.outbox = outbox;
        this.kafka = kafka;
    }

    @Override
    public void announce(CatalogAnnouncement announcement) {
        announceAll(List.of(announcement));
    }

    @Override
    public void announceAll(List<CatalogAnnouncement> announcements) {
        String topic = kafka.topics().catalog().name();
        outbox.addAll(announcements.stream()
                .map(a -> new OutboxRecord(topic, a.model(), a.cloudEvent(), JsonFormat.CONTENT_TYPE)).toList());
    }
}
