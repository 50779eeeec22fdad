package dev.quantforge.engine.gguf;

import dev.quantforge.common.InvalidInputException;

import java.nio.file.Path;

/** A file that is not a valid GGUF file; the message names the file and what is wrong. */
public class GgufFormatException extends InvalidInputException {
    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
