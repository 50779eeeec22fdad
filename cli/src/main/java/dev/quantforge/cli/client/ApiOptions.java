package dev.quantforge.cli.client;

import picocli.CommandLine.Option;

/** {@code --api URL}, else {@code QF_API_URL}, else the local stack's API. */
public final class ApiOptions {

    public static final String DEFAULT_URL = "http://127.0.0.1:8080";

    @Option(names = "--api", paramLabel = "URL",
            description = "The quantforge API (default: $QF_API_URL, else " + DEFAULT_URL + ")")
    String api;

    public ApiClient client() {
        String url = api;
        if (url == null || url.isBlank()) {
            url = System.getenv("QF_API_URL");
        }
        if (url == null || url.isBlank()) {
            url = DEFAULT_URL;
        }
        return new ApiClient(url);
    }
}
