package dev.quantforge.worker.bench;

import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReferenceLocationTest {
    @Test
    void underAnHfPrefixTheReferenceSitsInItsQuantforgeDirectory() {
        assertEquals(S3Uri.parse("s3://models/llama/tiny/.quantforge/reference/k1.qfref"),
                ReferenceCache.location(SourceFormat.HF, S3Uri.parse("s3://models/llama/tiny/"), "k1"));
        assertEquals(S3Uri.parse("s3://models/llama/tiny/.quantforge/reference/k1.qfref"),
                ReferenceCache.location(SourceFormat.HF, S3Uri.parse("s3://models/llama/tiny"), "k1"));
    }

    @Test
    void besideAGgufObjectTheReferenceSitsInItsDirectory() {
        assertEquals(S3Uri.parse("s3://models/gguf/.quantforge/reference/k2.qfref"),
                ReferenceCache.location(SourceFormat.GGUF, S3Uri.parse("s3://models/gguf/tiny-f16.gguf"), "k2"));
        assertEquals(S3Uri.parse("s3://models/.quantforge/reference/k2.qfref"),
                ReferenceCache.location(SourceFormat.GGUF, S3Uri.parse("s3://models/tiny-f16.gguf"), "k2"));
    }
}
