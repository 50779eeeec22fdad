package dev.quantforge.common.jobs;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResultLayoutTest {
    private static final UUID JOB = UUID.fromString("00000000-0000-0000-0000-000000000001");

    @Test
    void aVariantLivesUnderModelJobAndVariant() {
        assertEquals(S3Uri.parse("s3://results/stories260K/" + JOB + "/Q4_K_M/"),
                new ResultLayout("results").variantPrefix("stories260K", JOB, "Q4_K_M"));
    }

    @Test
    void aRejectedVariantGoesBesideTheAcceptedOnesUnderRejected() {
        assertEquals(S3Uri.parse("s3://results/stories260K/job-1/rejected/Q4_0/"),
                ResultLayout.rejected(S3Uri.parse("s3://results/stories260K/job-1/Q4_0/")));
        assertEquals(S3Uri.parse("s3://results/stories260K/job-1/rejected/Q4_0/"),
                ResultLayout.rejected(S3Uri.parse("s3://results/stories260K/job-1/Q4_0")));
        assertEquals(S3Uri.parse("s3://results/rejected/Q4_0/"), ResultLayout.rejected(S3Uri.parse("s3://results/Q4_0/")));
    }

    @Test
    void oneRuleMakesNamesSafeForKeysAndFiles() {
        assertEquals("my-model-v2", ResultLayout.safeName("my model/v2"));
        assertEquals("a-b", ResultLayout.safeName("a?*b"));
        assertEquals("Llama-3.1_8B", ResultLayout.safeName("Llama-3.1_8B"));
        assertEquals("model", ResultLayout.safeName(".."));
        assertEquals("model", ResultLayout.safeName(""));
        assertEquals("tiny-Q4_K_M-custom-1a2b3c.gguf", ResultLayout.modelFile("tiny", "Q4_K_M-custom-1a2b3c", ".gguf"));
        assertEquals("my-model-Q8_0.gguf", ResultLayout.modelFile("my model", "Q8_0", ".gguf"));
    }

    @Test
    void theSafeNamesOfTheKeyAndTheFileAgree() {
        S3Uri prefix = new ResultLayout("results").variantPrefix("odd name", JOB, "Q4_0");
        assertEquals("odd-name/" + JOB + "/Q4_0/", prefix.key());
    }
}
