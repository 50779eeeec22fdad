package dev.quantforge.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * The API over java.net.http: JSON in and out, a problem+json answer as a {@link ClientException} of one line, an
 * API that cannot be reached as one line naming its URL.
 */
public final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    /** Sent as {@code Authorization: Bearer}; null sends none (an API with authentication off). */
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public ApiClient(String base, String apiKey) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.apiKey = apiKey;
    }

    public static ObjectMapper json() {
        return JSON;
    }

    public JsonNode get(String path) {
        return jsonOf(send(request(path).GET().build(), "GET " + path));
    }

    public String getText(String path, String accept) {
        return send(request(path).header("Accept", accept).GET().build(), "GET " + path).body();
    }

    public JsonNode post(String path, JsonNode body) {
        return jsonOf(send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), "POST " + path));
    }

    public JsonNode delete(String path) {
        return jsonOf(send(request(path).DELETE().build(), "DELETE " + path));
    }

    /** Server-sent events of {@code path}, each handed to {@code onEvent} as (name, data), until the server ends. */
    public void events(String path, java.util.function.BiConsumer<String, JsonNode> onEvent) {
        HttpRequest request = request(path).header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response = call(() -> http.send(request, HttpResponse.BodyHandlers.ofLines()));
        if (response.statusCode() >= 400) {
            String body = String.join("\n", response.body().toList());
            throw problem(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), body,
                    "GET " + path);
        }
        try (Stream<String> lines = response.body()) {
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        onEvent.accept(name, parse(data.toString()));
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring("data:".length()).strip());
                }
            }
        }
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        return apiKey == null ? request : request.header("Authorization", "Bearer " + apiKey);
    }

    private HttpResponse<String> send(HttpRequest request, String what) {
        HttpResponse<String> response = call(() -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        if (response.statusCode() >= 400) {
            throw problem(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body(), what);
        }
        return response;
    }

    private interface Call<T> {
        T run() throws IOException, InterruptedException;
    }

    private <T> T call(Call<T> call) {
        try {
            return call.run();
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new ClientException("cannot reach the quantforge API at " + base + " (connection refused or timed out;"
                    + " set --api or QF_API_URL)", ClientException.UNREACHABLE);
        } catch (IOException e) {
            throw new ClientException("the quantforge API at " + base + " failed: " + e, ClientException.UNREACHABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted", ClientException.UNREACHABLE);
        }
    }

    /** {@code <status> <title>: <detail> [field: message; ...]} from a problem+json body, else status and body. */
    static ClientException problem(int status, String contentType, String body, String what) {
        StringBuilder line = new StringBuilder();
        JsonNode problem = contentType.contains("json") ? parseOrNull(body) : null;
        if (problem != null && problem.has("title")) {
            line.append(status).append(' ').append(problem.path("title").asText());
            if (problem.hasNonNull("detail")) {
                line.append(": ").append(problem.path("detail").asText());
            }
            JsonNode errors = problem.path("errors");
            if (errors.size() > 1) {
                line.append(" (");
                for (int i = 0; i < errors.size(); i++) {
                    line.append(i == 0 ? "" : "; ").append(errors.get(i).path("field").asText()).append(": ")
                            .append(errors.get(i).path("message").asText());
                }
                line.append(')');
            }
        } else {
            String text = body == null ? "" : body.strip().replaceAll("\\s+", " ");
            line.append(what).append(" answered ").append(status)
                    .append(text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "…" : text));
        }
        return new ClientException(line.toString(), ClientException.REFUSED);
    }

    private static JsonNode jsonOf(HttpResponse<String> response) {
        return response.body() == null || response.body().isBlank() ? JSON.nullNode() : parse(response.body());
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new ClientException("the API answered something other than JSON: " + text, ClientException.REFUSED);
        }
    }

    private static JsonNode parseOrNull(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

}
