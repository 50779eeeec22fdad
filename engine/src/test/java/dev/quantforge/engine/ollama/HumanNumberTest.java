package dev.quantforge.engine.ollama;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ollama's format.HumanNumber, which names a model's size in its config ("model_type"). */
class HumanNumberTest {
    @Test
    void asOllamaWritesIt() {
        assertEquals("999", OllamaModel.humanNumber(999));
        assertEquals("293K", OllamaModel.humanNumber(292_698));
        assertEquals("2K", OllamaModel.humanNumber(2_500)); // %.0f rounds half to even
        assertEquals("15.03M", OllamaModel.humanNumber(15_030_000));
        assertEquals("7M", OllamaModel.humanNumber(7_000_000));
        assertEquals("8B", OllamaModel.humanNumber(8_000_000_000L));
        assertEquals("1.2B", OllamaModel.humanNumber(1_250_000_000L));
        assertEquals("8.0B", OllamaModel.humanNumber(8_030_261_248L));
    }
}
