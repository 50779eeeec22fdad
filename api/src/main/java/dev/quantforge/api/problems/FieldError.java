package dev.quantforge.api.problems;

import dev.quantforge.common.InvalidInputException;
import java.util.Objects;

/**
 * One invalid part of a request.
 *
 * @param field where it is: a JSON path such as {@code targets[1].ftype}, a query parameter or a header
 * @param message what is wrong with it, for a person
 */
public record FieldError(String field, String message) {
    /** A field is named after what the client sent (a label's key): a name this long is cut. */
    private static final int MAX_FIELD_CHARS = 200;

    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
        field = InvalidInputException.oneLine(field.length() > MAX_FIELD_CHARS
                ? field.substring(0, MAX_FIELD_CHARS) + "…" : field);
        message = InvalidInputException.oneLine(message);
    }
}
