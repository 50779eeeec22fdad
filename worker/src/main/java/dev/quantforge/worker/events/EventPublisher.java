package dev.quantforge.worker.events;

import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.worker.messages.MessageCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends {@link TaskEvent}s to the events topic, keyed by job id so that a job's events stay in order.
 * The producer is idempotent and retries transient faults itself (with backoff, within
 * {@code delivery.timeout.ms}); a terminal event is waited for, so the task's offset is committed only
 * once the API can see how the task ended.
 */
public final class EventPublisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final Duration deliveryTimeout;

    public EventPublisher(Map<String, Object> kafka, String topic, Duration deliveryTimeout) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, deliveryTimeout.toMillis()));
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "quantforge-worker-events");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.deliveryTimeout = deliveryTimeout;
    }

    /** Sends and does not wait: progress that is lost is made up by the next one. */
    public void sendQuietly(TaskEvent event) {
        producer.send(record(event), (metadata, error) -> {
            if (error != null) {
                LOG.warnf("event %s %s of task %s not sent: %s", event.type(), event.eventId(), event.taskId(), error.toString());
            }
        });
    }

    /** Sends and waits until the broker has it. */
    public void send(TaskEvent event) throws EventNotSentException {
        try {
            producer.send(record(event)).get(deliveryTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new EventNotSentException("event " + event.type() + " of task " + event.taskId() + " not sent: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EventNotSentException("interrupted while sending event " + event.type() + " of task " + event.taskId(), e);
        }
    }

    private ProducerRecord<String, byte[]> record(TaskEvent event) {
        return new ProducerRecord<>(topic, event.jobId().toString(), MessageCodec.encode(event));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    /** The broker did not take an event within the delivery timeout. */
    public static final class EventNotSentException extends Exception {
        public EventNotSentException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
