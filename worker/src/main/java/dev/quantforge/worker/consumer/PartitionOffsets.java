package dev.quantforge.worker.consumer;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The offsets of one assigned partition that were fetched but not finished. Kafka commits one offset per
 * partition, meaning "everything before it is done"; with several tasks of a partition running at once
 * they finish out of order, so the offset to commit is the smallest unfinished one (or one past the
 * highest finished when none is left). A new instance is made for every assignment: work that finishes
 * after its partition moved away finds a different instance and commits nothing.
 */
final class PartitionOffsets {
    private final TreeSet<Long> unfinished = new TreeSet<>();
    private long highestFinished = -1;
    private long committed = -1;

    void fetched(long offset) {
        unfinished.add(offset);
    }

    void finished(long offset) {
        if (!unfinished.remove(offset)) {
            throw new IllegalStateException("offset " + offset + " finished but was never fetched");
        }
        highestFinished = Math.max(highestFinished, offset);
    }

    /** The smallest offset still to be done, if any. */
    OptionalLong firstUnfinished() {
        return unfinished.isEmpty() ? OptionalLong.empty() : OptionalLong.of(unfinished.first());
    }

    /** The offset to commit now, unless it is already committed or nothing finished yet. */
    OptionalLong toCommit() {
        if (highestFinished < 0) {
            return OptionalLong.empty();
        }
        long next = unfinished.isEmpty() ? highestFinished + 1 : unfinished.first();
        return next > committed ? OptionalLong.of(next) : OptionalLong.empty();
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }
}
