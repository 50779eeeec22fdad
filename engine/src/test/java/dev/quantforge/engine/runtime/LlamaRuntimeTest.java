package dev.quantforge.engine.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaRuntimeTest {

    @Test
    void loadsTheBundledLlamaCppOnceFromTheCache() {
        LlamaRuntime runtime = LlamaRuntime.get();
        assertEquals(LlamaRuntime.SUPPORTED_BUILD, runtime.buildNumber());
        assertEquals("c6af2161", runtime.commit());
        assertEquals("4.2.0", runtime.artifactVersion());
        assertTrue(Files.isRegularFile(runtime.libraryPath()), runtime.libraryPath().toString());
        assertTrue(runtime.libraryPath().toString().contains("4.2.0-"), runtime.libraryPath().toString());
        assertSame(runtime, LlamaRuntime.get());
        System.out.println("[runtime] " + runtime);
    }

    @Test
    void declaredStructsHaveTheSizesOfLlamaHAtB4916() {
        // sizes of llama_model_params, llama_context_params and llama_batch on LP64 (what
        // llama_model_default_params, llama_context_default_params and llama_batch_init write)
        assertEquals(64, new LlamaLibrary.ModelParams().size());
        assertEquals(120, new LlamaLibrary.ContextParams().size());
        assertEquals(56, new LlamaLibrary.Batch().size());
    }
}
