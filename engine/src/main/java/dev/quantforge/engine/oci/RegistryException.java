package dev.quantforge.engine.oci;

import dev.quantforge.common.InvalidInputException;

/**
 * A registry did not take or give what was asked: one line naming the registry and the HTTP status (0 when no
 * answer came at all). {@link #transientFault()} tells a retry apart from a refusal: no answer, 408, 429 and 5xx
 * may pass; 401, 403, 404 and the other 4xx will not.
 */
public class RegistryException extends InvalidInputException {
    private final int status;

    public RegistryException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean transientFault() {
        return status == 0 || status == 408 || status == 429 || status >= 500;
    }
}
