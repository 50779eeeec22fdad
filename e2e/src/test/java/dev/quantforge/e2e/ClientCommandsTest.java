package dev.quantforge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.cli.Main;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.e2e.support.ApiClient;
import dev.quantforge.e2e.support.Product;
import dev.quantforge.e2e.support.RunningProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client commands (quantforge submit, jobs, watch, report, cancel, profiles, catalog), in-process, against the running API. */
@ExtendWith(RunningProduct.class)
class ClientCommandsTest {

    /** What one command printed and returned. */
    private record Run(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n" + out + "\n" + err;
        }
    }

    private static Run run(Product product, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--api")) {
            all.add("--api");
            all.add(product.api().base().toString());
        }
        if (!all.contains("--api-key")) {
            all.add("--api-key");
            all.add(product.apiKey());
        }
        return runRaw(all.toArray(String[]::new));
    }

    private static Run runRaw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(args);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyClientCommandAgainstTheRunningService(Product product) throws Exception {
        S3Uri source = product.uploadStories("models/cli-stories/");

        Run profiles = run(product, "profiles");
        assertEquals(0, profiles.exit(), profiles::all);
        assertTrue(profiles.out().contains("cpu-x86-avx2") && profiles.out().contains("Q4_K_M"), profiles::all);

        Run submitted = run(product, "submit", source.toString(), "--profile", "arm-mobile", "--label", "team=cli",
                "--wait");
        assertEquals(0, submitted.exit(), submitted::all);
        Matcher id = Pattern.compile("^job ([0-9a-f-]{36}) QUEUED: 1 task", Pattern.MULTILINE).matcher(submitted.out());
        assertTrue(id.find(), submitted::all);
        String job = id.group(1);
        assertTrue(submitted.out().contains("Q4_0 (arm-mobile)") && submitted.out().contains("100%  SUCCEEDED"),
                "a progress line per variant: " + submitted.all());
        assertTrue(submitted.out().contains("job " + job + " SUCCEEDED"), submitted::all);
        assertTrue(submitted.out().contains("| Q4_0 | arm-mobile | gguf | Q4_0 | SUCCEEDED |"), "the report table: " + submitted.all());

        Run jobs = run(product, "jobs", "--label", "team=cli", "--state", "SUCCEEDED");
        assertEquals(0, jobs.exit(), jobs::all);
        assertTrue(jobs.out().contains(job) && jobs.out().contains("1/1"), jobs::all);

        Run watched = run(product, "watch", job);
        assertEquals(0, watched.exit(), watched::all);
        assertTrue(watched.out().contains("| Q4_0 | arm-mobile |"), watched::all);

        Run json = run(product, "report", job, "--json");
        assertEquals(0, json.exit(), json::all);
        JsonNode report = ApiClient.json().readTree(json.out());
        assertEquals("Q4_0", report.path("rows").get(0).path("variant").asText());
        Run markdown = run(product, "report", job, "--markdown");
        assertTrue(markdown.out().contains("| variant | profile |"), markdown::all);

        Run models = run(product, "catalog");
        assertEquals(0, models.exit(), models::all);
        assertTrue(models.out().contains("cli-stories"), models::all);
        Run variants = run(product, "catalog", "cli-stories");
        assertEquals(0, variants.exit(), variants::all);
        assertTrue(variants.out().contains("Q4_0 *") && variants.out().contains(job), variants::all);

        // problems come back as one line, exit 1
        Run finished = run(product, "cancel", job);
        assertEquals(1, finished.exit(), finished::all);
        assertTrue(finished.err().startsWith("quantforge: 409 The job has already finished")
                && finished.err().strip().lines().count() == 1, finished::all);
        Run unknownProfile = run(product, "submit", source.toString(), "--profile", "no-such-profile");
        assertEquals(1, unknownProfile.exit(), unknownProfile::all);
        assertTrue(unknownProfile.err().startsWith("quantforge: 400 ") && unknownProfile.err().contains("targets[0]"),
                unknownProfile::all);
        Run unknownModel = run(product, "catalog", "no-such-model");
        assertEquals(1, unknownModel.exit(), unknownModel::all);
        assertTrue(unknownModel.err().contains("404 Not found: no model 'no-such-model'"), unknownModel::all);

        // a job cancelled while its tasks wait
        Run queued = run(product, "submit", source.toString(), "--profile", "cpu-x86-avx2", "--profile", "cpu-balanced",
                "--profile", "cpu-server-quality", "--profile", "edge-extreme", "--target",
                "{\"format\":\"gguf\",\"ftype\":\"Q5_0\"}", "--target", "{\"format\":\"gguf\",\"ftype\":\"Q4_1\"}");
        assertEquals(0, queued.exit(), queued::all);
        Matcher queuedId = Pattern.compile("^job ([0-9a-f-]{36})", Pattern.MULTILINE).matcher(queued.out());
        assertTrue(queuedId.find(), queued::all);
        Run cancelled = run(product, "cancel", queuedId.group(1));
        assertEquals(0, cancelled.exit(), cancelled::all);
        assertTrue(cancelled.out().contains("cancelled"), cancelled::all);
        Run watchCancelled = run(product, "watch", queuedId.group(1));
        assertEquals(5, watchCancelled.exit(), "a job that did not succeed: " + watchCancelled.all());

        // without a key, or with a revoked one: 401 in one line, exit 1
        Run anonymous = runRaw("jobs", "--api", product.api().base().toString());
        assertEquals(1, anonymous.exit(), anonymous::all);
        assertTrue(anonymous.err().startsWith("quantforge: 401 Authentication required")
                && anonymous.err().strip().lines().count() == 1, anonymous::all);
        Run created = run(product, "keys", "create", "--tenant", "default", "--name", "cli e2e", "--scopes",
                "jobs:read", "--quiet", "--api-key", product.operatorKey());
        assertEquals(0, created.exit(), created::all);
        String key = created.out().strip();
        assertTrue(key.startsWith("qf_"), created::all);
        Run reader = run(product, "jobs", "--api-key", key);
        assertEquals(0, reader.exit(), reader::all);
        assertTrue(reader.out().contains(job), reader::all);
        Run listed = run(product, "keys", "list", "--api-key", product.operatorKey());
        assertEquals(0, listed.exit(), listed::all);
        assertTrue(listed.out().contains(key.substring(0, 9)) && !listed.out().contains(key), listed::all);
        Matcher keyId = Pattern.compile("^([0-9a-f-]{36}) +" + Pattern.quote(key.substring(0, 9)), Pattern.MULTILINE)
                .matcher(listed.out());
        assertTrue(keyId.find(), listed::all);
        Run revoked = run(product, "keys", "revoke", keyId.group(1), "--api-key", product.operatorKey());
        assertEquals(0, revoked.exit(), revoked::all);
        Run refused = run(product, "jobs", "--api-key", key);
        assertEquals(1, refused.exit(), refused::all);
        assertTrue(refused.err().startsWith("quantforge: 401 ") && !refused.err().contains(key), refused::all);
        Run notAdmin = run(product, "keys", "list");
        assertEquals(1, notAdmin.exit(), notAdmin::all);
        assertTrue(notAdmin.err().startsWith("quantforge: 403 Forbidden"), notAdmin::all);

        // no API there: one line naming the URL, exit 4
        Run unreachable = runRaw("jobs", "--api", "http://127.0.0.1:9");
        assertEquals(4, unreachable.exit(), unreachable::all);
        assertTrue(unreachable.err().startsWith("quantforge: cannot reach the quantforge API at http://127.0.0.1:9 ")
                && unreachable.err().strip().lines().count() == 1, unreachable::all);
    }
}
