package dev.quantforge.api.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Reads what is published to a topic from the moment it is made on, without a consumer group, so
 * tests see every record (the topics outlive test runs; older records are skipped).
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    /** Reads the TaskMessages the API publishes. */
    public static TopicReader tasks() {
        return new TopicReader(ConfigProvider.getConfig().getValue("qf.kafka.topics.tasks.name", String.class));
    }

    /** Reads the CancelMessages the API publishes. */
    public static TopicReader control() {
        return new TopicReader(ConfigProvider.getConfig().getValue("qf.kafka.topics.control.name", String.class));
    }

    /** Reads the CloudEvents the API announces. */
    public static TopicReader catalog() {
        return new TopicReader(ConfigProvider.getConfig().getValue("qf.kafka.topics.catalog.name", String.class));
    }

    private TopicReader(String topic) {
        String servers = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers),
                new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: asking for the positions fixes them now, before the test publishes
        partitions.forEach(consumer::position);
    }

    /** Waits until {@code count} records with this key arrived and returns them in order. */
    public List<ConsumerRecord<String, String>> await(String key, int count) {
        return Eventually.get(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            List<ConsumerRecord<String, String>> matching = seen.stream().filter(r -> key.equals(r.key())).toList();
            if (matching.size() < count) {
                throw new AssertionError("got " + matching.size() + " of " + count + " records with key " + key);
            }
            return matching;
        });
    }

    /** Everything with this key that arrives within {@code wait}. */
    public List<ConsumerRecord<String, String>> collect(String key, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
        }
        return seen.stream().filter(r -> key.equals(r.key())).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
