package dev.quantforge.api.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.transactions.AfterCommit;
import dev.quantforge.api.transactions.DatabaseWriteException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
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
    private final AgroalDataSource database;

    public Outbox(ObjectMapper json, OutboxRelay relay, TransactionSynchronizationRegistry transactions,
            AgroalDataSource database) {
        this.json = json;
        this.relay = relay;
        this.transactions = transactions;
        this.database = database;
    }

    /**
     * Queues {@code records} in the caller's transaction with one JDBC batch (the driver rewrites it into multi-row
     * inserts): no entity, and the ids stay in the database, which assigns them in insertion order.
     */
    public void addAll(List<OutboxRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        // inside a JTA transaction the pool hands out the connection enlisted in it: the same as Hibernate's
        try (Connection connection = database.getConnection();
             PreparedStatement insert = connection.prepareStatement("insert into outbox"
                     + " (topic, message_key, payload, content_type, created_at) values (?, ?, ?, ?, ?)")) {
            for (OutboxRecord record : records) {
                insert.setString(1, record.topic());
                insert.setString(2, record.key());
                insert.setString(3, record.payload());
                insert.setString(4, record.contentType());
                insert.setObject(5, now);
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw new DatabaseWriteException("write outbox rows", e);
        }
        wakeRelayAfterCommit();
    }

    /** Must run inside a transaction; the record is keyed by {@code key} (a task or job id). */
    public void add(String topic, UUID key, Object message) {
        String payload;
        try {
            payload = json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize " + message.getClass().getSimpleName(), e);
        }
        addAll(List.of(new OutboxRecord(topic, key.toString(), payload, null)));
    }

    /** The relay would find the rows on its next poll anyway; waking it early saves that wait. */
    private void wakeRelayAfterCommit() {
        AfterCommit.once(transactions, RELAY_WOKEN, relay::wake);
    }
}
