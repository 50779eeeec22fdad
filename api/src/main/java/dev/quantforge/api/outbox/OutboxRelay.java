package dev.quantforge.api.outbox;

import dev.quantforge.api.kafka.KafkaClients;
import dev.quantforge.api.transactions.DatabaseWriteException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in id order and marks them sent, at least once: a row is marked
 * only after the broker acknowledged it, so a crash in between publishes it again. Several API
 * instances share the work: each locks a batch with {@code FOR UPDATE SKIP LOCKED} and the others
 * take the next rows instead of waiting.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final OutboxConfig config;
    private final KafkaClients kafka;
    private final EntityManager em;
    private final AgroalDataSource database;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "outbox-relay"));
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Used on the relay thread only. */
    private KafkaProducer<String, String> producer;

    public OutboxRelay(OutboxConfig config, KafkaClients kafka, EntityManager em, AgroalDataSource database) {
        this.config = config;
        this.kafka = kafka;
        this.em = em;
        this.database = database;
    }

    @Scheduled(every = "${qf.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        wake();
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeSent() {
        int deleted = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "delete from outbox where sent_at < :before")
                .setParameter("before", Instant.now().minus(config.retention()))
                .executeUpdate());
        if (deleted > 0) {
            LOG.debugf("deleted %d published outbox rows", deleted);
        }
    }

    /** Runs the relay soon, unless a run is already waiting to start. */
    public void wake() {
        if (pending.compareAndSet(false, true)) {
            thread.execute(this::drain);
        }
    }

    private void drain() {
        pending.set(false);
        try {
            while (publishBatch() == config.batchSize()) {
                // a full batch: more rows may be waiting
            }
        } catch (RuntimeException e) {
            // The rows stay unsent and the next poll retries them.
            LOG.warnf("outbox relay could not publish: %s", e.getMessage());
        }
    }

    /** A row to publish: what the relay reads of it. */
    private record Unsent(long id, String topic, String key, String payload, String contentType) {
    }

    /**
     * One transaction per batch: one select, the records sent together, one update. Plain JDBC on the transaction's
     * connection: the rows are read once and marked once, nothing for Hibernate to track or flush.
     */
    private int publishBatch() {
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection connection = database.getConnection()) {
                List<Unsent> batch = lockBatch(connection);
                if (batch.isEmpty()) {
                    return 0;
                }
                List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
                for (Unsent row : batch) {
                    ProducerRecord<String, String> record = new ProducerRecord<>(row.topic(), row.key(), row.payload());
                    if (row.contentType() != null) {
                        record.headers().add("content-type", row.contentType().getBytes(StandardCharsets.UTF_8));
                    }
                    acks.add(producer().send(record));
                }
                producer().flush();
                Long[] ids = new Long[batch.size()];
                for (int i = 0; i < batch.size(); i++) {
                    awaitAck(acks.get(i), batch.get(i));
                    ids[i] = batch.get(i).id();
                }
                // one statement for the batch, not one update per row: under load the relay marks thousands a second
                try (PreparedStatement mark = connection.prepareStatement(
                        "update outbox set sent_at = ? where id = any(?)")) {
                    mark.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
                    mark.setArray(2, connection.createArrayOf("bigint", ids));
                    mark.executeUpdate();
                }
                return batch.size();
            } catch (SQLException e) {
                throw new DatabaseWriteException("publish outbox rows", e);
            }
        });
    }

    private List<Unsent> lockBatch(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select id, topic, message_key, payload,"
                + " content_type from outbox where sent_at is null order by id limit ? for update skip locked")) {
            select.setInt(1, config.batchSize());
            List<Unsent> batch = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    batch.add(new Unsent(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getString(5)));
                }
            }
            return batch;
        }
    }

    private static void awaitAck(Future<RecordMetadata> ack, Unsent row) {
        try {
            ack.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused outbox row " + row.id() + " for " + row.topic() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing outbox row " + row.id(), e);
        }
    }

    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            producer = kafka.producer("quantforge-api-outbox");
        }
        return producer;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
            thread.shutdownNow();
        }
        if (producer != null) {
            producer.close();
        }
    }
}
