package dev.quantforge.common;

/**
 * The input (a model file, an argument, a request) is wrong in a way the user can fix. The message
 * names the input and the problem in one line; callers show it as is, without a stack trace.
 */
public class InvalidInputException extends RuntimeException {

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
