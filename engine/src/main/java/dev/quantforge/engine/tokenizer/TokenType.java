package dev.quantforge.engine.tokenizer;

import java.util.Optional;

/**
 * Token types as GGUF's {@code tokenizer.ggml.token_type} stores them; SentencePiece numbers its piece
 * types the same way.
 */
public enum TokenType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int id;

    TokenType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static Optional<TokenType> byId(long id) {
        for (TokenType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
