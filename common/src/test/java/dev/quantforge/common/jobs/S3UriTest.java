package dev.quantforge.common.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quantforge.common.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class S3UriTest {

    @Test
    void aBucketAndPrefixAreRead() {
        S3Uri uri = S3Uri.parse("s3://quantforge-models/team a/stories260K/");

        assertEquals("quantforge-models", uri.bucket());
        assertEquals("team a/stories260K/", uri.key());
        assertEquals("stories260K", uri.lastName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://models/x", "S3://models/x", "file:///etc/passwd", "s3:/models/x", "models/x",
            "s3://models/a/../b", "s3://models/..", "s3://models/a/./b", "s3://models//a", "s3://models/a//",
            "s3://models/a\\..\\b", "s3://models/a\nb", "s3://models/a\u0000b", "s3://Models/x", "s3://m/x"})
    void anythingButOnePlaceInABucketIsRefused(String uri) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> S3Uri.parse(uri));

        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aKeyOverS3sLimitIsRefusedWithoutQuotingItWhole() {
        String uri = "s3://models/" + "k".repeat(S3Uri.MAX_KEY_BYTES + 1);

        InvalidInputException e = assertThrows(InvalidInputException.class, () -> S3Uri.parse(uri));

        assertTrue(e.getMessage().contains("longer than 1024 bytes") && e.getMessage().length() < 400, e.getMessage());
    }
}
