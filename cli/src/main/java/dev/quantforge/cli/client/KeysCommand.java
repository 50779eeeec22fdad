package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The API's keys, through its admin endpoint: needs a key with the admin scope (or the operator key). */
@Command(name = "keys", description = "Create, list and revoke API keys (needs an admin key).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand {

    @Command(name = "create", description = "Create a key for a tenant; prints it once (it cannot be shown again).")
    public static final class Create implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--tenant", description = "The tenant the key acts for (default: the tenant of a tenant's admin"
                + " key; the operator key must name one)")
        String tenant;

        @Option(names = "--scopes", split = ",", defaultValue = "jobs:submit,jobs:read",
                description = "jobs:submit, jobs:read, admin (default: ${DEFAULT-VALUE})")
        List<String> scopes;

        @Option(names = "--name", required = true, description = "What the key is for (shown in lists)")
        String name;

        @Option(names = "--quiet", description = "Print only the key (for scripts)")
        boolean quiet;

        @Override
        public Integer call() {
            ObjectNode body = ApiClient.json().createObjectNode().put("name", name);
            if (tenant != null) {
                body.put("tenant", tenant);
            }
            scopes.forEach(body.putArray("scopes")::add);
            JsonNode created = api.client().post("/api/v1/admin/keys", body);
            PrintWriter out = spec.commandLine().getOut();
            if (quiet) {
                out.println(created.path("key").asText());
            } else {
                out.println("key " + created.path("id").asText() + " for tenant " + created.path("tenant").asText()
                        + " " + created.path("scopes"));
                out.println(created.path("key").asText());
                out.println("(shown once: store it now; send it as QF_API_KEY or 'Authorization: Bearer <key>')");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", description = "Every key the caller manages: id, name, tenant, scopes, first characters,"
            + " revoked or not.")
    public static final class ListKeys implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            Table table = new Table("ID", "PREFIX", "TENANT", "SCOPES", "CREATED", "REVOKED", "NAME");
            for (JsonNode key : api.client().get("/api/v1/admin/keys")) {
                table.row(key.path("id").asText(), key.path("prefix").asText(), key.path("tenant").asText(),
                        String.join(",", ApiClient.json().convertValue(key.path("scopes"), String[].class)),
                        key.path("createdAt").asText(), key.path("revokedAt").asText(""), key.path("name").asText());
            }
            table.print(spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a key: the API refuses it from now on.")
    public static final class Revoke implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Parameters(index = "0", paramLabel = "ID", description = "The key's id (from keys list)")
        String id;

        @Override
        public Integer call() {
            JsonNode revoked = api.client().delete("/api/v1/admin/keys/" + ApiClient.encode(id));
            spec.commandLine().getOut().println("key " + revoked.path("id").asText() + " revoked at "
                    + revoked.path("revokedAt").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
