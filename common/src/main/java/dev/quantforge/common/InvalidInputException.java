package dev.quantforge.common;

/**
 * The input (a model file, an argument, a request) is wrong in a way the user can fix. The message
 * names the input and the problem in one line; callers show it as is, without a stack trace.
 *
 * <p>Messages often quote what the input holds (a tensor name, a key, a URI), and the input may hold
 * anything: control characters are escaped and an overlong message is cut, so the message stays one
 * readable line whatever bytes it quotes.
 */
public class InvalidInputException extends RuntimeException {

    /** Far more than any message needs; a quoted value of megabytes is cut here. */
    static final int MAX_MESSAGE_CHARS = 2000;

    public InvalidInputException(String message) {
        super(oneLine(message));
    }

    public InvalidInputException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code message} with control characters escaped ({@code \n}, {@code \u0000}) and cut to one bounded line. */
    public static String oneLine(String message) {
        if (message == null) {
            return "invalid input";
        }
        StringBuilder out = new StringBuilder(Math.min(message.length(), MAX_MESSAGE_CHARS) + 16);
        int i = 0;
        for (; i < message.length() && out.length() < MAX_MESSAGE_CHARS; i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (i < message.length()) {
            out.setLength(Math.min(out.length(), MAX_MESSAGE_CHARS));
            out.append("… (cut)");
        }
        return out.toString();
    }
}
