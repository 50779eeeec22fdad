package dev.quantforge.api.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.transactions.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * Queues Kafka records in the caller's transaction: they are published if and only if it commits,
 * however the process fares afterwards.
 */
@ApplicationScoped
public class Outbox {

    private static final String RELAY_WOKEN = Outbox.class.getName() + ".relayWoken";

    private final ObjectMapper json;
    private final OutboxRelay relay;
    private final TransactionSynchronizationRegistry transactions;

    public Outbox(ObjectMapper json, OutboxRelay relay, TransactionSynchronizationRegistry transactions) {
        this.json = json;
        this.relay = relay;
        this.transactions = transactions;
    }

    /** Must run inside a transaction; the record is keyed by {@code key} (a task or job id). */
    public void add(String topic, UUID key, Object message) {
        OutboxEntry entry = new OutboxEntry();
        entry.topic = topic;
        entry.messageKey = key.toString();
        try {
            entry.payload = json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize " + message.getClass().getSimpleName(), e);
        }
        entry.createdAt = Instant.now();
        entry.persist();
        wakeRelayAfterCommit();
    }

    /**
     * Queues a record of already serialized {@code payload} with a content-type header (a structured-mode CloudEvent);
     * must run inside a transaction.
     */
    public void add(String topic, String key, String payload, String contentType) {
        OutboxEntry entry = new OutboxEntry();
        entry.topic = topic;
        entry.messageKey = key;
        entry.payload = payload;
        entry.contentType = contentType;
        entry.createdAt = Instant.now();
        entry.persist();
        wakeRelayAfterCommit();
    }

    /** The relay would find the rows on its next poll anyway; waking it early saves that wait. */
    private void wakeRelayAfterCommit() {
        AfterCommit.once(transactions, RELAY_WOKEN, relay::wake);
    }
}
