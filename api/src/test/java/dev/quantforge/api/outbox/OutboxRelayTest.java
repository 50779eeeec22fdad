package dev.quantforge.api.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quantforge.api.kafka.KafkaClients;
import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.support.Eventually;
import dev.quantforge.api.support.LocalStackResource;
import dev.quantforge.api.support.TopicReader;
import dev.quantforge.common.messages.CancelMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Several API instances relay one outbox: every row reaches Kafka, and none twice. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class OutboxRelayTest {

    private static final int ROWS = 450;

    @Inject
    Outbox outbox;

    @Inject
    OutboxConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    KafkaConfig topics;

    @Inject
    EntityManager em;

    @Inject
    AgroalDataSource database;

    @Test
    void relaysOfSeveralInstancesShareTheRowsWithoutPublishingAnyTwice() throws Exception {
        UUID key = UUID.randomUUID();
        List<OutboxRelay> others = List.of(new OutboxRelay(config, kafka, em, database),
                new OutboxRelay(config, kafka, em, database), new OutboxRelay(config, kafka, em, database));
        try (TopicReader control = TopicReader.control()) {
            List<UUID> written = new ArrayList<>();
            QuarkusTransaction.requiringNew().run(() -> {
                for (int i = 0; i < ROWS; i++) {
                    UUID id = UUID.randomUUID();
                    written.add(id);
                    outbox.add(topics.topics().control().name(), key, new CancelMessage(id));
                }
            });
            // this instance's relay was woken by the commit; the others compete with it
            others.forEach(OutboxRelay::wake);
            control.await(key.toString(), ROWS);
            Eventually.holds(() -> assertEquals(0L, unsent(key)));
            List<String> published = control.collect(key.toString(), Duration.ofSeconds(1)).stream()
                    .map(ConsumerRecord::value).toList();
            assertEquals(ROWS, published.size(), "no row was published twice");
            assertEquals(written.stream().map(id -> "{\"jobId\":\"" + id + "\"}").collect(Collectors.toSet()),
                    new HashSet<>(published));
        } finally {
            for (OutboxRelay relay : others) {
                relay.stop();
            }
        }
    }

    private long unsent(UUID key) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                        "select count(*) from outbox where message_key = :key and sent_at is null")
                .setParameter("key", key.toString()).getSingleResult()).longValue());
    }
}
