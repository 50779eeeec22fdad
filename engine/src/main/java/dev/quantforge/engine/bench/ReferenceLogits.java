package dev.quantforge.engine.bench;

import dev.quantforge.engine.runtime.LlamaModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The source model's next-token distributions on an evaluation text, stored compactly so that every
 * variant of the source can be compared with them without running the source again. CONTRACT STUB:
 * the implementation replaces every body.
 */
public final class ReferenceLogits {

    /** Runs {@code source} over {@code paragraphs} and keeps, per scored position, what KLD needs. */
    public static ReferenceLogits compute(LlamaModel source, List<String> paragraphs, int topK) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Reads what {@link #write} wrote; a damaged or foreign stream is an InvalidInputException. */
    public static ReferenceLogits read(InputStream in) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void write(OutputStream out) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The encoded form, as {@link #write} writes it. */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Runs {@code variant} over the same paragraphs and compares it position by position. */
    public QualityFigures compare(LlamaModel variant, List<String> paragraphs) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public double sourcePerplexity() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** SHA-256 (hex) of the evaluation text's paragraphs joined by "\n\n", to check a reuse is for the same text. */
    public String textSha256() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Scored positions. */
    public int positions() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public int topK() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
