package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Follows a job's server-sent events: a progress line per variant whenever it changes, then the job's report as a
 * markdown table. Returns the job's final state.
 */
final class JobWatcher {

    private static final int BAR = 20;

    private JobWatcher() {
    }

    static String watch(ApiClient api, UUID job, PrintWriter out) {
        Map<String, String> shown = new LinkedHashMap<>();
        String[] state = {null};
        api.events("/api/v1/jobs/" + job + "/events", (name, data) -> {
            if (name.equals("job")) {
                state[0] = data.path("state").asText();
                for (JsonNode task : data.path("tasks")) {
                    show(task, shown, out);
                }
            } else if (name.equals("task")) {
                state[0] = data.path("jobState").asText();
                show(data.path("task"), shown, out);
            }
        });
        out.println();
        out.println("job " + job + " " + state[0]);
        out.println();
        out.print(api.getText("/api/v1/jobs/" + job + "/report", "text/markdown"));
        out.flush();
        return state[0];
    }

    /** One line for a task, unless it says what was shown last for it. */
    private static void show(JsonNode task, Map<String, String> shown, PrintWriter out) {
        String id = task.path("id").asText();
        int progress = task.path("progress").asInt();
        String taskState = task.path("state").asText();
        String reason = task.path("failureReason").isNull() ? "" : "  " + task.path("failureReason").asText();
        int filled = progress * BAR / 100;
        String line = String.format("%-24s [%s%s] %3d%%  %s%s", label(task), "#".repeat(filled), ".".repeat(BAR - filled),
                progress, taskState, reason);
        if (!line.equals(shown.put(id, line))) {
            out.println(line);
            out.flush();
        }
    }

    private static String label(JsonNode task) {
        String profile = task.path("profile").isNull() ? "" : " (" + task.path("profile").asText() + ")";
        return task.path("variant").asText() + profile;
    }
}
