package dev.quantforge.api.outbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A Kafka record waiting to be published, written in the transaction that decided to send it. */
@Entity
@Table(name = "outbox")
public class OutboxEntry extends PanacheEntityBase {

    /** Ascending in commit order closely enough that the relay publishes in the order of writing. */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String topic;

    @Column(name = "message_key", nullable = false)
    public String messageKey;

    /** The record's value, serialized when written so the relay sends exactly what was decided. */
    @Column(nullable = false)
    public String payload;

    /** Sent as the record's content-type header; null for none. */
    @Column(name = "content_type")
    public String contentType;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "sent_at")
    public Instant sentAt;
}
