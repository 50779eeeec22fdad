package dev.quantforge.api.problems;

import java.util.Objects;

/**
 * One invalid part of a request.
 *
 * @param field where it is: a JSON path such as {@code targets[1].ftype}, a query parameter or a header
 * @param message what is wrong with it, for a person
 */
public record FieldError(String field, String message) {
    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }
}
