package dev.quantforge.api.outbox;

import dev.quantforge.api.kafka.KafkaClients;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "outbox-relay"));
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Used on the relay thread only. */
    private KafkaProducer<String, String> producer;

    public OutboxRelay(OutboxConfig config, KafkaClients kafka, EntityManager em) {
        this.config = config;
        this.kafka = kafka;
        this.em = em;
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

    private int publishBatch() {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<OutboxEntry> batch = em.createNativeQuery("select * from outbox where sent_at is null"
                            + " order by id limit :limit for update skip locked", OutboxEntry.class)
                    .setParameter("limit", config.batchSize())
                    .getResultList();
            if (batch.isEmpty()) {
                return 0;
            }
            List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
            for (OutboxEntry entry : batch) {
                ProducerRecord<String, String> record = new ProducerRecord<>(entry.topic, entry.messageKey, entry.payload);
                if (entry.contentType != null) {
                    record.headers().add("content-type", entry.contentType.getBytes(StandardCharsets.UTF_8));
                }
                acks.add(producer().send(record));
            }
            producer().flush();
            List<Long> ids = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                awaitAck(acks.get(i), batch.get(i));
                ids.add(batch.get(i).id);
            }
            // one statement for the batch, not one update per row: under load the relay marks thousands a second
            em.createNativeQuery("update outbox set sent_at = :sent where id in (:ids)")
                    .setParameter("sent", Instant.now())
                    .setParameter("ids", ids)
                    .executeUpdate();
            return batch.size();
        });
    }

    private static void awaitAck(Future<RecordMetadata> ack, OutboxEntry entry) {
        try {
            ack.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused outbox row " + entry.id + " for " + entry.topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing outbox row " + entry.id, e);
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
