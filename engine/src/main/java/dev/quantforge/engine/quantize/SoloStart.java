package dev.quantforge.engine.quantize;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

/**
 * Runs the tasks of a run's first values one at a time, and the rest side by side. A run starts on cold code: until
 * the JIT has compiled the kernels, they run interpreted and as C1 code, tens of times slower, and the compilers need
 * CPU of their own. Where the quantizing threads fill every core, a second one in that phase took the compilers' CPU
 * and got little done for it; alone, one thread leaves them a core and the compiled kernels arrive sooner. Tasks are
 * handed out by one thread (the submitting one); they may run on any.
 */
final class SoloStart {
    private final long soloValues;
    private final Semaphore alone = new Semaphore(1);
    private long handedOut;

    /** @param soloValues how many of the run's first values go one task at a time (0: none) */
    SoloStart(long soloValues) {
        if (soloValues < 0) {
            throw new IllegalArgumentException("soloValues must not be negative, got " + soloValues);
        }
        this.soloValues = soloValues;
    }

    /** The task of the next {@code values} values: alone while the run is within its first values, else as it is. */
    <T> Callable<T> next(Callable<T> task, long values) {
        boolean solo = handedOut < soloValues;
        handedOut += values;
        if (!solo) {
            return task;
        }
        return () -> {
            alone.acquire();
            try {
                return task.call();
            } finally {
                alone.release();
            }
        };
    }
}
