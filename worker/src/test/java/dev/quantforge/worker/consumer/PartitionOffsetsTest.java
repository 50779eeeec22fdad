package dev.quantforge.worker.consumer;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionOffsetsTest {

    @Test
    void nothingIsCommittedBeforeATaskFinishes() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.fetched(7);
        assertEquals(OptionalLong.empty(), offsets.toCommit());
    }

    @Test
    void aFinishedTaskCommitsThePositionAfterIt() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.fetched(7);
        offsets.finished(7);
        assertEquals(OptionalLong.of(8), offsets.toCommit());
        offsets.committed(8);
        assertEquals(OptionalLong.empty(), offsets.toCommit(), "already committed");
    }

    @Test
    void aTaskThatFinishesFirstDoesNotCommitPastAnEarlierOneStillRunning() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.fetched(3);
        offsets.fetched(4);
        offsets.fetched(5);
        offsets.finished(5);
        assertEquals(OptionalLong.of(3), offsets.toCommit(), "3 must be redone if the worker dies now");
        offsets.committed(3);
        offsets.finished(3);
        assertEquals(OptionalLong.of(4), offsets.toCommit());
        offsets.finished(4);
        assertEquals(OptionalLong.of(6), offsets.toCommit());
        assertEquals(OptionalLong.empty(), offsets.firstUnfinished());
    }
}
