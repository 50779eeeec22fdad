package dev.quantforge.cli.client;

import java.util.UUID;

final class JobArgument {

    private JobArgument() {
    }

    static UUID id(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new ClientException("'" + text + "' is not a job id (a UUID)", ClientException.REFUSED);
        }
    }
}
