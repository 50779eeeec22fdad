package dev.quantforge.cli.client;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "watch", description = "Follow a job's progress per variant until it ends, then print its report.")
public final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job's id")
    String job;

    @Override
    public Integer call() {
        String state = JobWatcher.watch(api.client(), JobArgument.id(job), spec.commandLine().getOut());
        return "SUCCEEDED".equals(state) ? 0 : ClientException.JOB_NOT_SUCCEEDED;
    }
}
