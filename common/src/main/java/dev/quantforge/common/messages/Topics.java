package dev.quantforge.common.messages;

/** Kafka topics between the API and the workers. */
public final class Topics {
    /**
     * One {@link TaskMessage} per task; the workers' consumer group reads it. Key it by task id: a partition
     * goes to one worker at a time, so tasks keyed by job id would put a whole job on one worker. The
     * worker does not read the key.
     */
    public static final String TASKS = "quantforge.tasks";
    /** {@link TaskEvent}s from the workers, keyed by job id; the API applies each once. */
    public static final String EVENTS = "quantforge.events";
    /** {@link CancelMessage}s, read by every worker (each in a group of its own). */
    public static final String CONTROL = "quantforge.control";
    /** CloudEvents about jobs and variants (structured JSON, keyed by model name), from the API's outbox. */
    public static final String CATALOG = "quantforge.catalog";
    /** Consumer group of the workers. */
    public static final String WORKERS_GROUP = "workers";

    private Topics() {
    }
}
