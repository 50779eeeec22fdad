package dev.quantforge.worker.messages;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.messages.CancelMessage;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The wire format of the messages between API and workers: UTF-8 JSON of the {@code common} records,
 * instants as ISO-8601 strings. Unknown fields are ignored, so either side may add fields first.
 */
public final class MessageCodec {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MessageCodec() {
    }

    /** The mapper the worker writes all its JSON with (messages and manifests). */
    public static ObjectMapper json() {
        return JSON;
    }

    public static byte[] encode(Object message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TaskMessage task(byte[] json) {
        return decode(json, TaskMessage.class);
    }

    public static TaskEvent event(byte[] json) {
        return decode(json, TaskEvent.class);
    }

    public static CancelMessage cancel(byte[] json) {
        return decode(json, CancelMessage.class);
    }

    private static <T> T decode(byte[] json, Class<T> type) {
        if (json == null) {
            throw new InvalidInputException("empty " + type.getSimpleName() + " record");
        }
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException("not a valid " + type.getSimpleName() + ": " + detail);
        } catch (RuntimeException e) {
            // the records' validating constructors (a missing id, a bad percentage)
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new InvalidInputException("not a valid " + type.getSimpleName() + ": " + cause.getMessage());
        }
    }
}
