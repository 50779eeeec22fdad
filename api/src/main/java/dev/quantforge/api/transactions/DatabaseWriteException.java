package dev.quantforge.api.transactions;

import java.sql.SQLException;

/**
 * A plain-JDBC write failed. Unchecked, so it rolls back the transaction like Hibernate's errors; the SQLException
 * stays its cause, so that an outage is still answered 503 (the problem mappers look through the cause chain).
 */
public class DatabaseWriteException extends RuntimeException {
    public DatabaseWriteException(String what, SQLException cause) {
        super("cannot " + what + ": " + cause.getMessage(), cause);
    }
}
