package dev.quantforge.engine.oci;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bytes Go's encoding/json Encoder writes, on which Ollama's digests depend. */
class GoJsonTest {
    @Test
    void escapesAsGoDoes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "<a & b>\n\t\"q\"\\ \u2028 \u0001 é 😀");
        m.put("a", List.of(1L, true));
        assertEquals("{\"b\":\"\\u003ca \\u0026 b\\u003e\\n\\t\\\"q\\\"\\\\ \\u2028 \\u0001 é 😀\",\"a\":[1,true]}\n",
                new String(GoJson.encode(m), StandardCharsets.UTF_8));
        assertEquals("{\"a\":1,\"b\":2}\n", new String(GoJson.encode(GoJson.sorted(Map.of("b", 2, "a", 1))), StandardCharsets.UTF_8));
    }

    @Test
    void float32AsGoDoes() {
        assertEquals("0.7", GoJson.float32(0.7f));
        assertEquals("1", GoJson.float32(1f));
        assertEquals("1.1", GoJson.float32(1.1f));
        assertEquals("0.000001", GoJson.float32(1e-6f));
        assertEquals("1e-7", GoJson.float32(1e-7f));
        assertEquals("1.5e-7", GoJson.float32(1.5e-7f));
        assertEquals("1e+21", GoJson.float32(1e21f));
        assertEquals("-2.5", GoJson.float32(-2.5f));
        assertEquals("100", GoJson.float32(100f));
    }
}
