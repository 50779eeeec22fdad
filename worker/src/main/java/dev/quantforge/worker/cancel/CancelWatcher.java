package dev.quantforge.worker.cancel;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.messages.CancelMessage;
import dev.quantforge.worker.messages.MessageCodec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads every {@link CancelMessage} on the control topic and remembers the cancelled jobs, so a running
 * task stops at its next tensor and a task that arrives later is skipped. Every worker reads the whole
 * topic: it is assigned all partitions rather than joining a group (the same as a group of its own, without
 * offsets to commit), starting a look-back period in the past so a worker that starts late still learns of
 * recent cancellations.
 */
public final class CancelWatcher implements CancelledJobs, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CancelWatcher.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Duration lookback;
    private final Duration pollTimeout;
    private final Clock clock;
    private final Map<UUID, Instant> cancelled = new ConcurrentHashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public CancelWatcher(Map<String, Object> kafka, String topic, Duration lookback, Duration pollTimeout, String workerId) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "quantforge-worker-control-" + workerId);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.lookback = lookback;
        this.pollTimeout = pollTimeout;
        this.clock = Clock.systemUTC();
        this.thread = new Thread(this::run, "cancel-watcher-" + workerId);
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Waits until the messages that were on the topic when the watcher started have been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isCancelled(UUID jobId) {
        return cancelled.containsKey(jobId);
    }

    /** True while the watcher reads the topic; false once it stopped on an error. */
    public boolean isHealthy() {
        return failure == null && thread.isAlive();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            seekToLookback(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(pollTimeout)) {
                    remember(record);
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                }
                forgetOlderThan(clock.instant().minus(lookback));
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("cancel watcher stopped", e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void seekToLookback(List<TopicPartition> partitions) {
        long since = clock.instant().minus(lookback).toEpochMilli();
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(p -> times.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = offsets.get(p);
            if (at == null) {
                consumer.seekToEnd(Set.of(p));
            } else {
                consumer.seek(p, at.offset());
            }
        }
    }

    private void remember(ConsumerRecord<String, byte[]> record) {
        try {
            CancelMessage message = MessageCodec.cancel(record.value());
            cancelled.put(message.jobId(), Instant.ofEpochMilli(record.timestamp()));
            LOG.debugf("job %s cancelled", message.jobId());
        } catch (InvalidInputException e) {
            LOG.warnf("skipping control record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    private void forgetOlderThan(Instant limit) {
        cancelled.values().removeIf(at -> at.isBefore(limit));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
