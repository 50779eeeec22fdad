package dev.quantforge.engine.runtime;

import com.sun.jna.Pointer;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * Receives llama.cpp's and ggml's log output. Lines go to the debug log instead of stderr, and the
 * first error line of each thread since {@link #clearError()} is kept so that a failed call can say
 * why it failed (the first line names the cause; later ones only say that loading failed).
 * llama.cpp sends some lines in pieces (level CONT); pieces are joined up to the newline.
 */
final class LlamaLog implements LlamaLibrary.LogCallback {
    private static final System.Logger LOG = System.getLogger("dev.quantforge.engine.runtime.llama.cpp");

    private final ThreadLocal<StringBuilder> pending = ThreadLocal.withInitial(StringBuilder::new);
    private final ThreadLocal<Integer> pendingLevel = ThreadLocal.withInitial(() -> 0);
    private final ThreadLocal<String> firstError = new ThreadLocal<>();

    @Override
    public void invoke(int level, Pointer text, Pointer userData) {
        // An exception must not unwind into native code.
        try {
            if (text == null) {
                return;
            }
            StringBuilder line = pending.get();
            if (level != LlamaLibrary.LOG_LEVEL_CONT) {
                pendingLevel.set(level);
            }
            line.append(text.getString(0, StandardCharsets.UTF_8.name()));
            int newline;
            while ((newline = line.indexOf("\n")) >= 0) {
                emit(pendingLevel.get(), line.substring(0, newline));
                line.delete(0, newline + 1);
            }
        } catch (Throwable ignored) {
            // logging is best effort
        }
    }

    private void emit(int level, String line) {
        if (line.isBlank()) {
            return;
        }
        if (level == LlamaLibrary.LOG_LEVEL_ERROR && firstError.get() == null) {
            firstError.set(line.strip());
        }
        LOG.log(Level.DEBUG, line);
    }

    void clearError() {
        firstError.remove();
    }

    /** The first error line llama.cpp logged on this thread since {@link #clearError()}. */
    String error() {
        String error = firstError.get();
        return error == null ? "llama.cpp logged no reason" : error;
    }
}
