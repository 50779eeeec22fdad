package dev.quantforge.worker.consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's member of the task topic's consumer group. One thread owns the {@link KafkaConsumer} and
 * never stops polling; tasks run on a pool of {@code concurrency} other threads. While every slot is busy
 * all assigned partitions are paused, so polling fetches nothing but keeps the member in its group: a task
 * may take an hour without a rebalance or a second delivery, and {@code max.poll.interval.ms} does not
 * matter. A task's offset is committed only after its handler reports its end; a worker that dies before
 * leaves it uncommitted and the partition's next owner does the task again.
 *
 * <p>Why plain kafka-clients rather than a reactive messaging channel: pausing partitions, committing
 * chosen offsets and seeking back are the whole point here, and they are direct calls on the consumer.
 */
public final class TaskConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TaskConsumer.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final int concurrency;
    private final Duration pollTimeout;
    private final Duration shutdownGrace;
    private final TaskHandler handler;
    private final ExecutorService tasks;
    private final Thread thread;

    // owned by the polling thread
    private final Map<TopicPartition, PartitionOffsets> partitions = new HashMap<>();
    private final ArrayDeque<Fetched> waiting = new ArrayDeque<>();
    private int running;

    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean open = true;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile int assigned;

    private record Fetched(ConsumerRecord<String, byte[]> record, TopicPartition partition, PartitionOffsets offsets) {
    }

    private record Finished(Fetched task, boolean commit) {
    }

    public TaskConsumer(Map<String, Object> kafka, String topic, String group, int concurrency, Duration pollTimeout,
                        Duration shutdownGrace, String workerId, TaskHandler handler) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a new group must not skip the tasks that were published before it first joined
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a joining worker takes partitions from the others without stopping the partitions that stay
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // fetch no more than can start: what waits here cannot go to an idle worker
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, concurrency);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "quantforge-worker-" + workerId);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.concurrency = concurrency;
        this.pollTimeout = pollTimeout;
        this.shutdownGrace = shutdownGrace;
        this.handler = handler;
        AtomicInteger count = new AtomicInteger();
        this.tasks = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "task-" + workerId + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "task-consumer-" + workerId);
    }

    public void start() {
        thread.start();
    }

    /** True while the polling thread runs (it stops only on close or a fatal consumer error). */
    public boolean isAlive() {
        return thread.isAlive() && failure == null;
    }

    /** Tasks running now. */
    public int busy() {
        return busy.get();
    }

    /** Partitions of the task topic this worker holds. */
    public int assignedPartitions() {
        return assigned;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (open) {
                poll();
                settleFinished();
                startWaiting();
                pauseWhenFull();
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("task consumer stopped", e);
        } finally {
            shutDown();
        }
    }

    private void poll() {
        ConsumerRecords<String, byte[]> records;
        try {
            records = consumer.poll(pollTimeout);
        } catch (WakeupException e) {
            return; // a task finished, or close() was called
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            PartitionOffsets offsets = partitions.get(partition);
            if (offsets == null) {
                continue; // revoked within this very poll; its next owner fetches it
            }
            offsets.fetched(record.offset());
            waiting.add(new Fetched(record, partition, offsets));
        }
    }

    private void startWaiting() {
        while (running < concurrency && !waiting.isEmpty() && !stopping) {
            Fetched task = waiting.poll();
            running++;
            busy.incrementAndGet();
            tasks.execute(() -> {
                boolean commit = false;
                try {
                    commit = handler.handle(task.record(), () -> stopping);
                } catch (Throwable e) {
                    LOG.errorf(e, "task at %s@%d: handler failed", task.partition(), task.record().offset());
                } finally {
                    busy.decrementAndGet();
                    finished.add(new Finished(task, commit));
                    if (open) {
                        consumer.wakeup();
                    }
                }
            });
        }
    }

    /** Commits what finished; a task that must be done again is fetched again from its offset. */
    private void settleFinished() {
        for (Finished f; (f = finished.poll()) != null; ) {
            running--;
            TopicPartition partition = f.task().partition();
            PartitionOffsets current = partitions.get(partition);
            if (current != f.task().offsets()) {
                LOG.infof("task at %s@%d ended after its partition moved to another worker; that worker does it again",
                        partition, f.task().record().offset());
                continue;
            }
            if (f.commit()) {
                current.finished(f.task().record().offset());
            } else if (!stopping) {
                redo(partition, current);
            }
        }
        // every loop, so that a commit that failed (say, during a rebalance) is tried again
        commit(partitions.keySet());
    }

    private void redo(TopicPartition partition, PartitionOffsets offsets) {
        long from = offsets.firstUnfinished().orElseThrow();
        LOG.warnf("task at %s@%d will be done again", partition, from);
        waiting.removeIf(w -> w.partition().equals(partition));
        partitions.put(partition, new PartitionOffsets());
        consumer.seek(partition, from);
    }

    private void commit(Collection<TopicPartition> owned) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition p : owned) {
            partitions.get(p).toCommit().ifPresent(o -> commits.put(p, new OffsetAndMetadata(o)));
        }
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits);
            commits.forEach((p, o) -> partitions.get(p).committed(o.offset()));
        } catch (WakeupException e) {
            commit(owned); // a task finished meanwhile; its wakeup must not cost this commit
        } catch (KafkaException e) {
            LOG.warnf("commit of %s failed (tried again next round): %s", commits, e.toString());
        }
    }

    private void pauseWhenFull() {
        if (running + waiting.size() >= concurrency || stopping) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void shutDown() {
        stopping = true;
        tasks.shutdown();
        try {
            if (!tasks.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("%d task(s) still running after %s; leaving them uncommitted", busy.get(), shutdownGrace);
            }
            settleFinished();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("final commit failed", e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.warn("closing the task consumer failed", e);
            }
        }
    }

    /** Stops taking tasks, asks running ones to give up, commits what finished and leaves the group. */
    @Override
    public void close() {
        stopping = true;
        open = false;
        consumer.wakeup();
        try {
            thread.join(shutdownGrace.toMillis() + 15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            commit(revoked.stream().filter(partitions::containsKey).toList());
            forget(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            forget(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> added) {
            added.forEach(p -> partitions.put(p, new PartitionOffsets()));
            assigned = partitions.size();
            if (running + waiting.size() >= concurrency || stopping) {
                consumer.pause(added);
            }
            if (!added.isEmpty()) {
                LOG.infof("assigned %s", added);
            }
        }

        private void forget(Collection<TopicPartition> gone) {
            Set<TopicPartition> set = Set.copyOf(gone);
            set.forEach(partitions::remove);
            waiting.removeIf(w -> set.contains(w.partition()));
            assigned = partitions.size();
            if (!gone.isEmpty()) {
                LOG.infof("no longer assigned %s", gone);
            }
        }
    }
}
