package dev.quantforge.api.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A CloudEvents 1.0 event in structured-mode JSON with JSON data, written in one Jackson pass. The SDK's
 * {@code JsonFormat} would take the data as bytes serialized beforehand and parse them again to embed them: two
 * passes over the data on every submit. The output is what the SDK writes (the tests read it back through the SDK):
 * the context attributes, the {@code tenant} extension, and the data as a JSON object.
 */
record StructuredCloudEvent(String id, String source, String type, String subject, String tenant, Instant time,
                            Map<String, Object> data) {

    static final String SPEC_VERSION = "1.0";
    static final String DATA_CONTENT_TYPE = "application/json";

    StructuredCloudEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(data, "data");
    }

    String toJson(ObjectMapper json) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("specversion", SPEC_VERSION);
        event.put("id", id);
        event.put("source", source);
        event.put("type", type);
        event.put("datacontenttype", DATA_CONTENT_TYPE);
        if (subject != null) {
            event.put("subject", subject);
        }
        // RFC 3339, as the SDK formats it
        event.put("time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time.atOffset(ZoneOffset.UTC)));
        // an extension attribute: consumers of the shared topic route or filter by tenant
        event.put("tenant", tenant);
        event.put("data", data);
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize a " + type + " event", e);
        }
    }
}
