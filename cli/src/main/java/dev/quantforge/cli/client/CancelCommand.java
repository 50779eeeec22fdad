package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", description = "Cancel a job: queued tasks never start, running ones stop at their worker.")
public final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job's id")
    String job;

    @Override
    public Integer call() {
        JsonNode cancelled = api.client().delete("/api/v1/jobs/" + JobArgument.id(job));
        spec.commandLine().getOut().println("job " + cancelled.path("id").asText() + " cancelled: "
                + cancelled.path("state").asText());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
