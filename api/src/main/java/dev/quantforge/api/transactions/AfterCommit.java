package dev.quantforge.api.transactions;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Work that follows a commit: a poller woken at once instead of at its next poll. */
public final class AfterCommit {
    private AfterCommit() {
    }

    /**
     * Runs {@code action} once the current transaction commits; however often it is asked with the same {@code key}
     * in one transaction, it runs once. Nothing runs after a rollback.
     */
    public static void once(TransactionSynchronizationRegistry transactions, String key, Runnable action) {
        if (transactions.getResource(key) != null) {
            return;
        }
        transactions.putResource(key, Boolean.TRUE);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}
