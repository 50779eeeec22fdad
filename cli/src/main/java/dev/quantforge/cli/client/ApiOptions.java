package dev.quantforge.cli.client;

import picocli.CommandLine.Option;

/**
 * {@code --api URL}, else {@code QF_API_URL}, else the local stack's API; and the API key, {@code --api-key}, else
 * {@code QF_API_KEY} (better: a command line is visible to every user of the machine).
 */
public final class ApiOptions {

    public static final String DEFAULT_URL = "http://127.0.0.1:8080";

    @Option(names = "--api", paramLabel = "URL",
            description = "The quantforge API (default: $QF_API_URL, else " + DEFAULT_URL + ")")
    String api;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The API key to send (default: $QF_API_KEY; prefer the variable, a command line is visible"
                    + " to other users)")
    String apiKey;

    public ApiClient client() {
        String url = api;
        if (url == null || url.isBlank()) {
            url = System.getenv("QF_API_URL");
        }
        if (url == null || url.isBlank()) {
            url = DEFAULT_URL;
        }
        String key = apiKey;
        if (key == null || key.isBlank()) {
            key = System.getenv("QF_API_KEY");
        }
        return new ApiClient(url, key == null || key.isBlank() ? null : key.strip());
    }
}
