package dev.quantforge.api.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.common.quality.QualityGates;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Quality gates in JSON (REST answers and TaskMessages) carry only the limits that are set:
 * {@code {"maxMeanKld": 0.1}}, {@code {}} for none.
 */
@Singleton
public final class QualityGatesJson implements ObjectMapperCustomizer {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private interface Shape {
    }

    @Override
    public void customize(ObjectMapper json) {
        json.addMixIn(QualityGates.class, Shape.class);
    }
}
