package dev.quantforge.api.limits;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Every JSON the API reads (request bodies first of all) nests at most {@code qf.requests.max-json-depth} deep;
 * deeper input fails while it is parsed, before a tree of it is built, and the client gets a 400 naming the body.
 */
@Singleton
public final class JsonDepthLimit implements ObjectMapperCustomizer {

    private final int maxDepth;

    public JsonDepthLimit(RequestLimitsConfig limits) {
        this.maxDepth = limits.maxJsonDepth();
    }

    @Override
    public void customize(ObjectMapper json) {
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .build());
    }
}
