package dev.quantforge.cli.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "report", description = "A job's variants side by side: size, bits per weight, perplexity, KL divergence, speed.")
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job's id")
    String job;

    @ArgGroup(exclusive = true)
    Form form;

    static final class Form {
        @Option(names = "--json", description = "The report as JSON")
        boolean json;

        @Option(names = "--markdown", description = "The report as a markdown table (the default)")
        boolean markdown;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String path = "/api/v1/jobs/" + JobArgument.id(job) + "/report";
        if (form != null && form.json) {
            out.println(ApiClient.json().writerWithDefaultPrettyPrinter().writeValueAsString(api.client().get(path)));
        } else {
            out.print(api.client().getText(path, "text/markdown"));
        }
        out.flush();
        return 0;
    }
}
