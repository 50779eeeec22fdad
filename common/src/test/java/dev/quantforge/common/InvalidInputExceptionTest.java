package dev.quantforge.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InvalidInputExceptionTest {

    @Test
    void quotedControlCharactersAreEscapedSoTheMessageIsOneLine() {
        InvalidInputException e = new InvalidInputException("model.gguf: duplicate tensor name a\nb\r\u0000c\u2028");

        assertEquals("model.gguf: duplicate tensor name a\\nb\\r\\u0000c\\u2028", e.getMessage());
    }

    @Test
    void aMessageQuotingMegabytesIsCut() {
        String message = new InvalidInputException("key " + "x".repeat(5_000_000)).getMessage();

        assertTrue(message.length() < InvalidInputException.MAX_MESSAGE_CHARS + 20, "length " + message.length());
        assertTrue(message.startsWith("key xxx") && message.endsWith("… (cut)"), message.substring(0, 20));
    }

    @Test
    void aMessageOfExactlyTheLimitIsKeptWhole() {
        String limit = "y".repeat(InvalidInputException.MAX_MESSAGE_CHARS);

        assertEquals(limit, new InvalidInputException(limit).getMessage());
    }
}
