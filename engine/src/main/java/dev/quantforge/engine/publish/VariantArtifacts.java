package dev.quantforge.engine.publish;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.oci.Digests;
import dev.quantforge.engine.oci.GgufFacts;
import dev.quantforge.engine.oci.ModelPack;
import dev.quantforge.engine.oci.OciArtifact;
import dev.quantforge.engine.oci.OciReference;
import dev.quantforge.engine.ollama.OllamaModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** A variant (its directory, or its GGUF) as a registry artifact, in Ollama's format or as a CNCF ModelPack. */
public final class VariantArtifacts {
    private VariantArtifacts() {
    }

    public enum Format {
        OLLAMA, MODELPACK;

        public static Format parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("format '" + s + "' is not one of ollama, modelpack");
            }
        }
    }

    /** Documentation files of a variant directory that a ModelPack carries, when present. */
    static final List<String> DOCS = List.of("README.md", "LICENSE");

    /** The GGUF itself, or the one {@code *.gguf} file in a variant directory. */
    public static Path gguf(Path variant) {
        if (Files.isRegularFile(variant)) {
            return variant;
        }
        if (!Files.isDirectory(variant)) {
            throw new InvalidInputException(variant + ": no such file or directory");
        }
        try (Stream<Path> files = Files.list(variant)) {
            List<Path> ggufs = files.filter(f -> f.getFileName().toString().endsWith(".gguf") && !f.getFileName().toString().startsWith("."))
                    .filter(Files::isRegularFile).sorted().toList();
            if (ggufs.size() != 1) {
                throw new InvalidInputException(variant + ": holds " + (ggufs.isEmpty() ? "no" : ggufs.size()) + " .gguf files, expected one");
            }
            return ggufs.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(variant + ": " + e.getMessage(), e);
        }
    }

    public static OciArtifact artifact(Path variant, Format format, OciReference ref) {
        Path gguf = gguf(variant);
        return switch (format) {
            case OLLAMA -> {
                if (ref.repository().split("/").length != 2) {
                    throw new InvalidInputException("an Ollama model needs a repository NAMESPACE/MODEL (ollama pull HOST/NAMESPACE/MODEL:TAG),"
                            + " not '" + ref.repository() + "'");
                }
                yield OllamaModel.of(gguf, OllamaModel.Options.none()).artifact();
            }
            case MODELPACK -> {
                GgufFacts facts = GgufFacts.read(gguf);
                List<Path> docs = new ArrayList<>();
                Path dir = gguf.toAbsolutePath().getParent();
                for (String doc : DOCS) {
                    if (Files.isDirectory(variant) && Files.isRegularFile(dir.resolve(doc))) {
                        docs.add(dir.resolve(doc));
                    }
                }
                String name = ref.repository().substring(ref.repository().lastIndexOf('/') + 1);
                yield ModelPack.of(gguf, Digests.of(gguf), facts, name, OllamaModel.fileTypeName(facts.fileTypeId()), docs);
            }
        };
    }
}
