package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "profiles", description = "The hardware profiles the API builds for, with their recipes and quality gates.")
public final class ProfilesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        JsonNode profiles = api.client().get("/api/v1/profiles");
        JsonNode list = profiles.isArray() ? profiles : profiles.path("profiles");
        Table table = new Table("PROFILE", "FORMAT", "FTYPE", "TARGET", "GATES", "DESCRIPTION");
        for (JsonNode p : list) {
            JsonNode t = p.path("target");
            table.row(p.path("name").asText(), p.path("format").asText(), p.path("ftype").asText(),
                    t.isMissingNode() || t.isNull() ? "" : t.path("os").asText() + "/" + t.path("arch").asText()
                            + ("none".equals(t.path("accelerator").asText("none")) ? "" : "/" + t.path("accelerator").asText()),
                    p.path("gates").toString(), p.path("description").asText());
        }
        table.print(spec.commandLine().getOut());
        return 0;
    }
}
