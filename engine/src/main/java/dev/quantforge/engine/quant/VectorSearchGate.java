package dev.quantforge.engine.quant;

import java.util.concurrent.atomic.AtomicLong;

/**
 * When one of the K-quant scale searches moves from its scalar form to its eight-lane vector form (both give
 * the same bytes). The vector form is two to four times faster once C2 has compiled it, but until then the
 * JVM interprets every Vector API call and C1 code boxes each vector: measured at 1 thread, the first
 * 0.5 MB of Q6_K rows cost about a second of CPU (the scalar form: 0.1 s), and each search kind pays that
 * once per JVM. A search that a run uses on a few million values only (Q6_K for output.weight in a Q4_0
 * file, a small attn_v) is therefore far cheaper scalar from start to end. So each search runs scalar until
 * it has seen {@code scalarValues} values in this JVM, then vector for good: a search that ends up big pays
 * at most the scalar time of that many values extra, one that stays small never pays the warm-up.
 * {@code -Dquantforge.kquant.scalarValues=N} sets N for every search (0: vector from the start). The block
 * types' vector kernels race their scalar kernels instead ({@link KernelRace}).
 *
 * <p>A caller that knows how many values are coming ({@link Quantizer#expect}: a model quantizer knows its whole
 * plan) announces them, and a gate whose announced values pass its threshold opens at once: the scalar prelude of a
 * big run bought nothing but a second warm-up, and C2's compiles of the scalar form (of Q3_K's block code twice, the
 * second time when the gate opened) held up those of the vector form.
 */
final class VectorSearchGate {
    private final long scalarValues;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong announced = new AtomicLong();
    private volatile boolean open;

    VectorSearchGate(long scalarValues) {
        if (scalarValues < 0) {
            throw new IllegalArgumentException("scalarValues must not be negative, got " + scalarValues);
        }
        this.scalarValues = scalarValues;
        this.open = scalarValues == 0;
    }

    /** The gate of a search with its default threshold, unless the system property sets one for all. */
    static VectorSearchGate withDefault(long scalarValues) {
        return new VectorSearchGate(Long.getLong("quantforge.kquant.scalarValues", scalarValues));
    }

    /** Notes that {@code values} more values are coming; opens the gate for good once those announced pass the threshold. */
    void expect(long values) {
        if (values < 0) {
            throw new IllegalArgumentException("values must not be negative, got " + values);
        }
        if (!open && announced.addAndGet(values) > scalarValues) {
            open = true;
        }
    }

    /** Whether a call on {@code values} more values should take the vector form; counts them if not. */
    boolean vector(long values) {
        if (open) {
            return true;
        }
        if (seen.addAndGet(values) > scalarValues) {
            open = true;
        }
        return false;
    }
}
