package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.kafka.KafkaClients;
import dev.quantforge.api.kafka.KafkaConfig;
import dev.quantforge.api.metrics.JobMetrics;
import dev.quantforge.common.config.TopicSettings;
import dev.quantforge.common.messages.TaskEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Reads the workers' task events and applies each in a transaction of its own, committing a
 * record's offset only after its transaction committed: a crash between the two redelivers the
 * event, and the applier's dedupe makes that harmless. When the database fails, the consumer goes
 * back to the failed record and retries it while still polling, so it keeps its partitions.
 */
@ApplicationScoped
public class TaskEventConsumer {

    private static final Logger LOG = Logger.getLogger(TaskEventConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final EventsConfig config;
    private final TopicSettings topics;
    private final KafkaClients kafka;
    private final TaskEventApplier applier;
    private final ObjectMapper json;
    private final JobMetrics metrics;
    private volatile boolean running;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread thread;

    public TaskEventConsumer(EventsConfig config, KafkaConfig kafkaConfig, KafkaClients kafka,
            TaskEventApplier applier, ObjectMapper json, JobMetrics metrics) {
        this.config = config;
        this.topics = kafkaConfig.topics();
        this.kafka = kafka;
        this.applier = applier;
        this.json = json;
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent start) {
        if (!config.consume()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "task-event-consumer");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent stop) throws InterruptedException {
        if (thread == null) {
            return;
        }
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.join(Duration.ofSeconds(30).toMillis());
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, String> c = kafka.consumer(config.group(), "quantforge-api-events")) {
                consumer = c;
                c.subscribe(List.of(topics.events().name()));
                while (running) {
                    consume(c, c.poll(POLL));
                }
            } catch (WakeupException e) {
                // shutting down
            } catch (RuntimeException e) {
                LOG.errorf(e, "task event consumer failed; restarting it in %s", config.retryDelay());
                pause();
            }
        }
    }

    private void consume(KafkaConsumer<String, String> c, ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> applied = new HashMap<>();
        try {
            for (ConsumerRecord<String, String> record : records) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                try {
                    apply(record);
                } catch (RuntimeException e) {
                    LOG.warnf("could not apply event at %s offset %d, retrying in %s: %s", partition,
                            record.offset(), config.retryDelay(), e.getMessage());
                    // Go back to the first record not applied on each partition, and keep polling.
                    for (TopicPartition p : records.partitions()) {
                        OffsetAndMetadata done = applied.get(p);
                        c.seek(p, done != null ? done.offset() : records.records(p).get(0).offset());
                    }
                    pause();
                    return;
                }
                applied.put(partition, new OffsetAndMetadata(record.offset() + 1));
            }
        } finally {
            if (!applied.isEmpty()) {
                c.commitSync(applied);
            }
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        TaskEvent event;
        try {
            event = json.readValue(record.value(), TaskEvent.class);
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            // Retrying cannot fix a malformed record: count it, log it and move on.
            metrics.eventReceived("malformed");
            LOG.errorf("skipping malformed task event at %s-%d offset %d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        TaskEventApplier.Outcome outcome = applier.apply(event);
        metrics.eventReceived(outcome.name().toLowerCase());
        if (outcome == TaskEventApplier.Outcome.UNKNOWN_TASK) {
            LOG.debugf("event %s names unknown task %s of job %s", event.eventId(), event.taskId(), event.jobId());
        }
    }

    private void pause() {
        try {
            Thread.sleep(config.retryDelay().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
