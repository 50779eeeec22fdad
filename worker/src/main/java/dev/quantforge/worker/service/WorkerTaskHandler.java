package dev.quantforge.worker.service;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.worker.consumer.TaskHandler;
import dev.quantforge.worker.events.EventPublisher;
import dev.quantforge.worker.messages.MessageCodec;
import dev.quantforge.worker.tasks.TaskAbandonedException;
import dev.quantforge.worker.tasks.TaskProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Decodes a task record, runs the task and sends its terminal event; the offset may be committed after that. */
final class WorkerTaskHandler implements TaskHandler {
    private static final Logger LOG = Logger.getLogger(WorkerTaskHandler.class);

    private final TaskProcessor processor;
    private final EventPublisher events;
    private final WorkerMetrics metrics;

    WorkerTaskHandler(TaskProcessor processor, EventPublisher events, WorkerMetrics metrics) {
        this.processor = processor;
        this.events = events;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(ConsumerRecord<String, byte[]> record, BooleanSupplier stopping) {
        long began = System.nanoTime();
        TaskMessage task;
        try {
            task = MessageCodec.task(record.value());
        } catch (InvalidInputException e) {
            // it would fail the same way every time: skip it rather than block the partition
            LOG.errorf("skipping record %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            metrics.ended("unreadable", Duration.ofNanos(System.nanoTime() - began));
            return true;
        }
        LOG.infof("task %s of job %s: %s %s → %s", task.taskId(), task.jobId(), task.sourceFormat(), task.source(),
                task.resultsPrefix());
        TaskEvent end;
        try {
            end = processor.process(task, stopping);
        } catch (TaskAbandonedException e) {
            LOG.info(e.getMessage());
            metrics.ended("abandoned", Duration.ofNanos(System.nanoTime() - began));
            return false;
        }
        try {
            events.send(end);
        } catch (EventPublisher.EventNotSentException e) {
            LOG.errorf("task %s ended %s but could not say so (%s); it will be done again", task.taskId(), end.type(),
                    e.getMessage());
            return false;
        }
        metrics.ended(end.type().name(), Duration.ofNanos(System.nanoTime() - began));
        return true;
    }
}
