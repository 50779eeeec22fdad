package dev.quantforge.engine.runtime;

import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An evaluation text cut into the paragraphs that perplexity scores one by one: split on blank
 * lines ("\n\n"), each stripped, empty ones dropped (the eval protocol of stories260K-expected.json).
 */
public final class EvalText {
    private static final String BUNDLED = "/dev/quantforge/engine/runtime/eval.txt";

    private EvalText() {
    }

    public static List<String> paragraphs(String text) {
        List<String> paragraphs = new ArrayList<>();
        for (String part : text.split("\n\n", -1)) {
            String paragraph = part.strip();
            if (!paragraph.isEmpty()) {
                paragraphs.add(paragraph);
            }
        }
        return List.copyOf(paragraphs);
    }

    /** The evaluation text that ships with quantforge (a copy of {@code models/eval.txt}). */
    public static String bundledDefault() {
        try (InputStream in = EvalText.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException(BUNDLED + " is missing from the engine jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> read(Path file) {
        try {
            List<String> paragraphs = paragraphs(Files.readString(file, StandardCharsets.UTF_8));
            if (paragraphs.isEmpty()) {
                throw new InvalidInputException(file + ": evaluation text is empty");
            }
            return paragraphs;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such evaluation text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
