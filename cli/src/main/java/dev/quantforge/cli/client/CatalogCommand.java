package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "catalog", description = "The catalog of built variants: the models, or one model's variants across jobs.")
public final class CatalogCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "A model: list its variants")
    String model;

    @Option(names = "--profile", description = "Only variants built for this profile")
    String profile;

    @Option(names = "--format", description = "Only variants of this format (gguf, mlx, ...)")
    String format;

    @Option(names = "--target", description = "Only variants whose profile targets this os, arch or accelerator")
    String target;

    @Option(names = "--label", paramLabel = "k=v", description = "Only variants of jobs with this label (repeatable)")
    List<String> labels;

    @Option(names = "--include-rejected", description = "List REJECTED variants too")
    boolean includeRejected;

    @Override
    public Integer call() {
        String query = "?limit=500" + param("profile", profile) + param("format", format) + param("target", target)
                + Labels.query(labels) + (includeRejected ? "&includeRejected=true" : "");
        ApiClient client = api.client();
        if (model == null) {
            JsonNode page = client.get("/api/v1/catalog/models" + query);
            Table table = new Table("MODEL", "VARIANTS", "FORMATS", "PROFILES", "LATEST");
            for (JsonNode m : page.path("models")) {
                table.row(m.path("name").asText(), m.path("variants").asLong()
                                + (m.path("rejected").asLong() > 0 ? " (" + m.path("rejected").asLong() + " rejected)" : ""),
                        join(m.path("formats")), join(m.path("profiles")), m.path("latestPublishedAt").asText());
            }
            table.print(spec.commandLine().getOut());
            return 0;
        }
        JsonNode page = client.get("/api/v1/catalog/models/" + ApiClient.encode(model) + query);
        Table table = new Table("VARIANT", "PROFILE", "STATE", "SIZE", "BPW", "PPL", "ΔPPL%", "MEAN KLD", "TG TOK/S",
                "JOB", "MANIFEST");
        for (JsonNode v : page.path("variants")) {
            table.row(v.path("variant").asText() + (v.path("latest").asBoolean() ? " *" : ""), text(v, "profile"),
                    v.path("state").asText(), v.path("modelBytes").asLong(),
                    String.format("%.2f", v.path("bitsPerWeight").asDouble()), number(v, "perplexity", "%.4f"),
                    number(v, "perplexityIncreasePercent", "%+.2f"), number(v, "meanKld", "%.6f"),
                    number(v, "generationTokensPerSecond", "%.1f"), v.path("jobId").asText(), text(v, "manifestUri"));
        }
        table.print(spec.commandLine().getOut());
        spec.commandLine().getOut().println("* the newest variant of its profile");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static String param(String name, String value) {
        return value == null ? "" : "&" + name + "=" + ApiClient.encode(value);
    }

    private static String join(JsonNode array) {
        StringBuilder out = new StringBuilder();
        array.forEach(e -> out.append(out.isEmpty() ? "" : ",").append(e.asText()));
        return out.toString();
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).isNull() || node.path(field).isMissingNode() ? "" : node.path(field).asText();
    }

    private static String number(JsonNode node, String field, String format) {
        return node.path(field).isNumber() ? String.format(format, node.path(field).asDouble()) : "";
    }
}
