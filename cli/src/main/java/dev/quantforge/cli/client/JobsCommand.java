package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "jobs", description = "List jobs, newest first.")
public final class JobsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Option(names = "--state", paramLabel = "S", description = "Only jobs in this state (QUEUED, RUNNING, SUCCEEDED, ...)")
    String state;

    @Option(names = "--label", paramLabel = "k=v", description = "Only jobs with this label (repeatable)")
    List<String> labels;

    @Option(names = "--limit", description = "At most this many (1 to 100, default 20)")
    Integer limit;

    @Override
    public Integer call() {
        String query = "?limit=" + (limit == null ? 20 : limit) + (state == null ? "" : "&state=" + ApiClient.encode(state))
                + Labels.query(labels);
        JsonNode page = api.client().get("/api/v1/jobs" + query);
        Table table = new Table("JOB", "STATE", "TASKS", "CREATED", "NAME");
        for (JsonNode job : page.path("jobs")) {
            long done = 0;
            for (JsonNode task : job.path("tasks")) {
                done += task.path("state").asText().matches("SUCCEEDED|FAILED|REJECTED|CANCELLED") ? 1 : 0;
            }
            table.row(job.path("id").asText(), job.path("state").asText(), done + "/" + job.path("tasks").size(),
                    job.path("createdAt").asText(), job.path("name").asText());
        }
        table.print(spec.commandLine().getOut());
        return 0;
    }
}
