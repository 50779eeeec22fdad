package dev.quantforge.worker.tasks;

import dev.quantforge.common.jobs.S3Uri;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RejectedPrefixTest {
    @Test
    void aRejectedVariantGoesBesideTheAcceptedOnesUnderRejected() {
        assertEquals(S3Uri.parse("s3://results/stories260K/job-1/rejected/Q4_0/"),
                TaskProcessor.rejectedPrefix(S3Uri.parse("s3://results/stories260K/job-1/Q4_0/")));
        assertEquals(S3Uri.parse("s3://results/stories260K/job-1/rejected/Q4_0/"),
                TaskProcessor.rejectedPrefix(S3Uri.parse("s3://results/stories260K/job-1/Q4_0")));
        assertEquals(S3Uri.parse("s3://results/rejected/Q4_0/"), TaskProcessor.rejectedPrefix(S3Uri.parse("s3://results/Q4_0/")));
    }
}
