package dev.quantforge.api.caching;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Values remembered for a fixed time after they were put, in this instance's memory. Beyond {@code maxEntries} it
 * starts afresh: what it holds is an optimisation, never the truth, and the bound stops a flood of distinct keys.
 * A time to live of zero remembers nothing.
 */
public final class ExpiringMap<K, V> {

    private record Entry<V>(V value, long expiresAt) {
    }

    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    /** {@code setting} names the configuration the time to live comes from, for the error on a negative one. */
    public ExpiringMap(long ttlNanos, int maxEntries, LongSupplier nanoTime, String setting) {
        if (ttlNanos < 0) {
            throw new IllegalArgumentException(setting + " must not be negative");
        }
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
    }

    /** False when the time to live is zero: nothing is ever remembered. */
    public boolean remembers() {
        return ttlNanos > 0;
    }

    /** The value put for the key less than the time to live ago. */
    public Optional<V> get(K key) {
        Entry<V> entry = entries.get(key);
        if (entry == null || nanoTime.getAsLong() - entry.expiresAt() >= 0) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    /** Remembers the value from now on, measured from {@code since} (a {@code nanoTime} reading). */
    public void put(K key, V value, long since) {
        if (!remembers()) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        entries.put(key, new Entry<>(value, since + ttlNanos));
    }

    public void put(K key, V value) {
        put(key, value, nanoTime.getAsLong());
    }

    public void remove(K key) {
        entries.remove(key);
    }

    /** Removes the key only while it still holds this very value (not one put since). */
    public void remove(K key, V value) {
        entries.computeIfPresent(key, (k, entry) -> entry.value() == value ? null : entry);
    }

    /** The {@code nanoTime} reading {@link #put(Object, Object, long)} measures from. */
    public long now() {
        return nanoTime.getAsLong();
    }
}
