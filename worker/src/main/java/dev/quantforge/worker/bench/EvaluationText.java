package dev.quantforge.worker.bench;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.worker.storage.ObjectStore;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The text a variant's quality is measured on: a job's own, from S3, or the one that ships with quantforge.
 *
 * @param origin     the s3:// URI the text came from, or {@link #BUNDLED}
 * @param paragraphs the text as perplexity scores it, paragraph by paragraph
 */
public record EvaluationText(String origin, List<String> paragraphs) {
    public static final String BUNDLED = "bundled";

    public EvaluationText {
        Objects.requireNonNull(origin, "origin");
        paragraphs = List.copyOf(paragraphs);
        if (paragraphs.isEmpty()) {
            throw new IllegalArgumentException("an evaluation text needs at least one paragraph");
        }
    }

    public static EvaluationText bundled() {
        return new EvaluationText(BUNDLED, EvalText.paragraphs(EvalText.bundledDefault()));
    }

    /**
     * A job's own text; a missing object, one larger than {@code maxBytes}, one that is not UTF-8 or one
     * without any paragraph is the user's mistake and names the URI.
     */
    public static EvaluationText fetch(ObjectStore store, String uri, long maxBytes) {
        S3Uri location;
        try {
            location = S3Uri.parse(uri);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("evaluation text: " + e.getMessage());
        }
        long bytes = store.size(location)
                .orElseThrow(() -> new InvalidInputException(uri + ": no such evaluation text object"));
        if (bytes > maxBytes) {
            throw new InvalidInputException(uri + ": evaluation text of " + bytes + " bytes is larger than the "
                    + maxBytes + " bytes allowed");
        }
        byte[] content = store.read(location)
                .orElseThrow(() -> new InvalidInputException(uri + ": no such evaluation text object"));
        if (content.length > maxBytes) {
            throw new InvalidInputException(uri + ": evaluation text of " + content.length + " bytes is larger than the "
                    + maxBytes + " bytes allowed");
        }
        List<String> paragraphs = EvalText.paragraphs(utf8(content, uri));
        if (paragraphs.isEmpty()) {
            throw new InvalidInputException(uri + ": evaluation text is empty");
        }
        return new EvaluationText(uri, paragraphs);
    }

    /** SHA-256 of the paragraphs joined by blank lines: what {@code ReferenceLogits.textSha256()} reports. */
    public String sha256() {
        return ReferenceLogits.sha256(paragraphs);
    }

    private static String utf8(byte[] content, String uri) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(uri + ": evaluation text is not UTF-8");
        }
    }
}
