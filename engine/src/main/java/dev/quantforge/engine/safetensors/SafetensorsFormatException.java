package dev.quantforge.engine.safetensors;

import dev.quantforge.common.InvalidInputException;

import java.nio.file.Path;

/** A safetensors file (or shard index) that is not valid; the message names the file and the problem. */
public class SafetensorsFormatException extends InvalidInputException {
    public SafetensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
