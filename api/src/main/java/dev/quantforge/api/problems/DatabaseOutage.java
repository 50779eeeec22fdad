package dev.quantforge.api.problems;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells an exception caused by PostgreSQL being unreachable (down, restarting, refusing connections) from a bug:
 * the first is a 503 the client retries, the second a 500. Looks through the whole cause chain, since the JDBC
 * error arrives wrapped by Hibernate, the pool or the transaction manager.
 */
public final class DatabaseOutage {

    static final int RETRY_AFTER_SECONDS = 5;

    private DatabaseOutage() {
    }

    public static boolean isCause(Throwable e) {
        return find(e) != null;
    }

    /** The JDBC error's one line, for the log. */
    static String describe(Throwable e) {
        SQLException sql = find(e);
        return sql == null ? e.toString() : sql.getClass().getSimpleName() + " " + sql.getSQLState() + ": "
                + String.valueOf(sql.getMessage()).lines().findFirst().orElse("");
    }

    private static SQLException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && isConnectionFailure(sql)) {
                return sql;
            }
        }
        return null;
    }

    private static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
                // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now
                || (state != null && (state.startsWith("08") || state.startsWith("57P")))
                // the pool gave up waiting for a connection it could not open
                || (state == null && String.valueOf(e.getMessage()).startsWith("Acquisition timeout"));
    }
}
