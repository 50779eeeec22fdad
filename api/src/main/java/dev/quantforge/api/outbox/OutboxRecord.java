package dev.quantforge.api.outbox;

import java.util.Objects;

/**
 * A Kafka record to queue in the outbox, its value already serialized (so the relay sends exactly what was decided).
 *
 * @param contentType sent as the record's content-type header; null for none
 */
public record OutboxRecord(String topic, String key, String payload, String contentType) {
    public OutboxRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(payload, "payload");
    }
}
