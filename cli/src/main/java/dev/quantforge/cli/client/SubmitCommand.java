package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "submit", description = "Submit a job to the quantforge API: one source model, a variant per profile or target.")
public final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "s3:// URI of the model (a Hugging Face directory, or a .gguf file)")
    String source;

    @Option(names = "--profile", paramLabel = "P", description = "A hardware profile to build for (repeatable)")
    List<String> profiles;

    @Option(names = "--target", paramLabel = "JSON", description = "A target as JSON, e.g. '{\"format\":\"gguf\",\"ftype\":\"Q5_K_M\"}' (repeatable)")
    List<String> targets;

    @Option(names = "--label", paramLabel = "k=v", description = "A label of the job (repeatable)")
    List<String> labels;

    @Option(names = "--format", paramLabel = "hf|gguf", description = "The source's format (default: gguf for a .gguf URI, else hf)")
    String format;

    @Option(names = "--name", description = "The job's name (default: the model's)")
    String name;

    @Option(names = "--wait", description = "Follow the job until it ends and print its report (exit 5 unless it SUCCEEDED)")
    boolean waitForEnd;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode request = ApiClient.json().createObjectNode();
        request.putObject("source").put("uri", source).put("format", format != null ? format
                : source.toLowerCase(Locale.ROOT).endsWith(".gguf") ? "gguf" : "hf");
        ArrayNode all = request.putArray("targets");
        (profiles == null ? List.<String>of() : profiles).forEach(all::add);
        for (String target : targets == null ? List.<String>of() : targets) {
            try {
                all.add(ApiClient.json().readTree(target));
            } catch (IOException e) {
                throw new ClientException("--target is not JSON: " + target, ClientException.REFUSED);
            }
        }
        if (all.isEmpty()) {
            throw new ClientException("give at least one --profile or --target", ClientException.REFUSED);
        }
        ObjectNode labelNode = request.putObject("labels");
        Labels.parse(labels).forEach(labelNode::put);
        if (name != null) {
            request.put("name", name);
        }
        ApiClient client = api.client();
        JsonNode job = client.post("/api/v1/jobs", request);
        out.println("job " + job.path("id").asText() + " " + job.path("state").asText() + ": "
                + job.path("tasks").size() + " task(s)");
        for (JsonNode task : job.path("tasks")) {
            out.println("  " + task.path("variant").asText()
                    + (task.path("profile").isNull() ? "" : "  " + task.path("profile").asText()));
        }
        out.flush();
        if (!waitForEnd) {
            return 0;
        }
        String state = JobWatcher.watch(client, UUID.fromString(job.path("id").asText()), out);
        return "SUCCEEDED".equals(state) ? 0 : ClientException.JOB_NOT_SUCCEEDED;
    }
}
