package dev.quantforge.e2e.support;

import java.util.List;

/** Closing what a run started, in order, so that one failure does not leave the rest running. */
final class Closeables {
    private Closeables() {
    }

    /** Closes every one and empties the list; the first failure is thrown with the later ones suppressed. */
    static void closeAll(List<AutoCloseable> closeables, String what) {
        RuntimeException failure = null;
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException(what + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        closeables.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
