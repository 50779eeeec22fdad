package dev.quantforge.api.jobs;

import static dev.quantforge.common.jobs.TaskState.CANCELLED;
import static dev.quantforge.common.jobs.TaskState.FAILED;
import static dev.quantforge.common.jobs.TaskState.QUEUED;
import static dev.quantforge.common.jobs.TaskState.REJECTED;
import static dev.quantforge.common.jobs.TaskState.RUNNING;
import static dev.quantforge.common.jobs.TaskState.SUCCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quantforge.common.jobs.JobState;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatesTest {

    @Test
    void aJobRunsFromItsFirstStartedTaskUntilItsLastTaskEnds() {
        assertEquals(JobState.QUEUED, JobStates.derive(List.of(QUEUED, QUEUED), false));
        assertEquals(JobState.RUNNING, JobStates.derive(List.of(RUNNING, QUEUED), false));
        assertEquals(JobState.RUNNING, JobStates.derive(List.of(SUCCEEDED, QUEUED), false));
        assertEquals(JobState.RUNNING, JobStates.derive(List.of(CANCELLED, RUNNING), true));
    }

    @Test
    void theOutcomeCountsTheSucceededTasks() {
        assertEquals(JobState.SUCCEEDED, JobStates.derive(List.of(SUCCEEDED, SUCCEEDED), false));
        assertEquals(JobState.PARTIALLY_SUCCEEDED, JobStates.derive(List.of(SUCCEEDED, FAILED), false));
        assertEquals(JobState.PARTIALLY_SUCCEEDED, JobStates.derive(List.of(REJECTED, SUCCEEDED), false));
        assertEquals(JobState.PARTIALLY_SUCCEEDED, JobStates.derive(List.of(SUCCEEDED, CANCELLED), false));
        assertEquals(JobState.FAILED, JobStates.derive(List.of(FAILED, REJECTED), false));
        assertEquals(JobState.FAILED, JobStates.derive(List.of(FAILED, CANCELLED), false));
        assertEquals(JobState.FAILED, JobStates.derive(List.of(REJECTED, REJECTED), false),
                "every variant was built but none meets its quality bar");
    }

    @Test
    void aCancelledJobEndsCancelledWhateverItsTasksDid() {
        assertEquals(JobState.CANCELLED, JobStates.derive(List.of(SUCCEEDED, CANCELLED), true));
        assertEquals(JobState.CANCELLED, JobStates.derive(List.of(CANCELLED), true));
        assertEquals(JobState.CANCELLED, JobStates.derive(List.of(CANCELLED, CANCELLED), false),
                "workers cancelled every task");
    }
}
