package dev.quantforge.worker.consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.function.BooleanSupplier;

/** Does the task a record holds, from start to end, on a thread of its own. */
@FunctionalInterface
public interface TaskHandler {
    /**
     * @param stopping true once the worker shuts down: the handler should give up soon
     * @return true when the task is over and its end reported, so its offset may be committed; false
     *         when it must be done again (the record is fetched again unless the worker is stopping)
     */
    boolean handle(ConsumerRecord<String, byte[]> record, BooleanSupplier stopping);
}
