package dev.quantforge.common.jobs;

/** How the source model is stored: a Hugging Face checkpoint directory, or one GGUF file. */
public enum SourceFormat {
    HF, GGUF
}
