package dev.quantforge.cli.publish;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.deploy.DeploymentBundle;
import dev.quantforge.engine.deploy.ServingFacts;
import dev.quantforge.engine.ollama.OllamaModel;
import dev.quantforge.engine.ollama.OllamaName;
import dev.quantforge.engine.ollama.OllamaParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "package", description = "Package a variant for a runtime's own store.",
        subcommands = {PackageCommand.Ollama.class, PackageCommand.Deploy.class})
public final class PackageCommand {

    @Command(name = "deploy", description = "Write what serving a variant takes: Dockerfile, compose.yaml, kubernetes.yaml"
            + " (Deployment + Service sized from the variant) and README.md; as the worker writes under <variant>/deploy/.")
    public static final class Deploy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "VARIANT", description = "the variant: a .gguf file, or an ONNX or MLX directory")
        Path variant;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the files go (conventionally"
                + " deploy/ beside the variant, which the Dockerfile builds from)")
        Path out;

        @Option(names = "--model", paramLabel = "NAME", description = "the model's name (default: the file name up to the"
                + " last '-')")
        String model;

        @Option(names = "--variant-name", paramLabel = "NAME", description = "the variant's name (default: after the last '-')")
        String variantName;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "4", description = "CPU threads the server runs with"
                + " (and the pod requests); default ${DEFAULT-VALUE}")
        int threads;

        @Override
        public Integer call() {
            PrintWriter console = spec.commandLine().getOut();
            if (!Files.exists(variant)) {
                throw new InvalidInputException(variant + ": no such file or directory");
            }
            if (threads <= 0) {
                throw new InvalidInputException("--threads must be at least 1, not " + threads);
            }
            String base = variant.toAbsolutePath().normalize().getFileName().toString().replaceFirst("\\.gguf$", "");
            int dash = base.lastIndexOf('-');
            String modelName = model != null ? model : dash > 0 ? base.substring(0, dash) : base;
            String name = variantName != null ? variantName : dash > 0 ? base.substring(dash + 1) : base;
            ServingFacts facts = ServingFacts.of(variant.toAbsolutePath().normalize(), modelName, name, threads);
            DeploymentBundle.write(facts, out).forEach((file, bytes) -> console.printf("  %-16s %d bytes%n", file, bytes.length));
            console.printf("%s %s (%s): context %d, %d threads, memory request %d Mi, limit %d Mi; files in %s%n", modelName, name,
                    facts.format(), facts.context(), facts.threads(), DeploymentBundle.memoryRequestMi(facts),
                    DeploymentBundle.memoryLimitMi(facts), out);
            return 0;
        }
    }

    @Command(name = "ollama", description = "Write Ollama's store layout (blobs/, manifests/) and a Modelfile for a GGUF;"
            + " copy blobs/ and manifests/ into $OLLAMA_MODELS to use it.")
    public static final class Ollama implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "VARIANT.gguf", description = "the GGUF model")
        Path gguf;

        @Option(names = "--name", required = true, paramLabel = "NAME[:TAG]", description = "Ollama model name (tag: latest)")
        String name;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (may be an $OLLAMA_MODELS)")
        Path out;

        @Option(names = "--template", paramLabel = "FILE", description = "a Go template for TEMPLATE (default: none;"
                + " Ollama then uses the GGUF's own chat template)")
        Path template;

        @Option(names = "--system", paramLabel = "TEXT", description = "SYSTEM prompt")
        String system;

        @Option(names = "--parameter", paramLabel = "KEY=VALUE", description = "a PARAMETER, e.g. num_ctx=4096, stop=</s> (repeatable)")
        List<String> parameters = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter console = spec.commandLine().getOut();
            OllamaName ollamaName = OllamaName.parse(name);
            if (!Files.isRegularFile(gguf)) {
                throw new InvalidInputException(gguf + ": no such file");
            }
            String templateText = null;
            if (template != null) {
                if (!Files.isRegularFile(template)) {
                    throw new InvalidInputException(template + ": no such template file");
                }
                templateText = Files.readString(template);
            }
            OllamaModel model = OllamaModel.of(gguf, new OllamaModel.Options(templateText, system, OllamaParameters.parse(parameters)));
            OllamaModel.Layout layout = model.writeLayout(out, ollamaName);
            console.printf("%s: %s %s, %s parameters, %s%n", ollamaName, model.family(), "gguf", model.modelType(), model.fileType());
            console.printf("  manifest %s (%s)%n", out.relativize(layout.manifest()), layout.manifestDigest());
            model.layers().forEach(b -> console.printf("  layer    %-40s %s %d bytes%n", b.descriptor().mediaType(), b.digest(), b.size()));
            console.printf("  config   %s %d bytes%n", model.config().digest(), model.config().size());
            console.printf("  Modelfile %s%n", layout.modelfile());
            console.printf("use: cp -r %s/blobs %s/manifests \"$OLLAMA_MODELS\"/  (or: cd %s && ollama create %s -f Modelfile)%n",
                    out, out, out, ollamaName);
            return 0;
        }
    }
}
