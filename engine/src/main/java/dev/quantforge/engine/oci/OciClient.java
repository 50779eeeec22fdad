package dev.quantforge.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of one registry over the OCI Distribution API (distribution-spec v1.1) with {@code java.net.http}:
 * pushes an {@link OciArtifact} (blob HEAD to skip what the registry holds, monolithic PUT up to the chunk size and
 * chunked PATCH uploads above it, manifest PUT last) and reads manifests and blobs back.
 *
 * <p>Authentication follows the registry's {@code WWW-Authenticate} challenge: {@code Basic} sends the credentials,
 * {@code Bearer} fetches a token for the repository's pull and push scope from the challenge's realm (with the
 * credentials, if any, as Basic auth) and sends that; a token given in the credentials is sent as it is. A 401 later
 * on (an expired token) runs the challenge again, once. Every failure is a {@link RegistryException}: one line
 * naming the registry and the status.
 */
public final class OciClient {
    /** Basic credentials, or a bearer token (either part may be null). */
    public record Credentials(String username, String password, String token) {
        public static Credentials none() {
            return new Credentials(null, null, null);
        }

        boolean basic() {
            return username != null && !username.isEmpty() && password != null;
        }

        @Override
        public String toString() {
            return "Credentials[" + (basic() ? "user " + username : token != null ? "token" : "none") + "]";
        }
    }

    /** What a push did. */
    public record PushResult(String reference, String manifestDigest, int blobsUploaded, int blobsSkipped, long bytesUploaded,
                             Duration elapsed) {
    }

    public static final long DEFAULT_CHUNK = 64L << 20;
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String registry;
    private final URI base;
    private final Credentials credentials;
    private final long chunkSize;
    private final HttpClient http;
    private final Duration timeout;
    private String authorization;

    /**
     * @param insecure  plain HTTP instead of HTTPS (a registry on loopback or a test network)
     * @param chunkSize blobs larger than this go up in PATCH chunks of this size
     */
    public OciClient(String registry, Credentials credentials, boolean insecure, long chunkSize, Duration timeout) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        this.registry = registry;
        this.base = URI.create((insecure ? "http://" : "https://") + registry);
        this.credentials = credentials == null ? Credentials.none() : credentials;
        this.chunkSize = chunkSize;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        if (this.credentials.token() != null && !this.credentials.token().isEmpty()) {
            authorization = "Bearer " + this.credentials.token();
        }
    }

    public String registry() {
        return registry;
    }

    /** Pushes every blob the registry lacks, then the manifest under the reference's tag. */
    public PushResult push(OciReference ref, OciArtifact artifact, Consumer<String> log) {
        long began = System.nanoTime();
        String repo = ref.repository();
        checkApi(repo);
        int uploaded = 0;
        int skipped = 0;
        long bytes = 0;
        for (Blob blob : artifact.blobs()) {
            if (exists(repo, blob.digest())) {
                skipped++;
                log.accept("exists   " + blob.digest() + " (" + blob.size() + " bytes)");
                continue;
            }
            upload(repo, blob);
            uploaded++;
            bytes += blob.size();
            log.accept("uploaded " + blob.digest() + " (" + blob.size() + " bytes)");
        }
        String path = "/v2/" + repo + "/manifests/" + ref.tag();
        HttpResponse<String> put = send("PUT", path, () -> HttpRequest.newBuilder()
                .header("Content-Type", artifact.mediaType())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(artifact.manifest())), repo);
        expect(put, 201, "PUT " + path);
        String digest = artifact.digest();
        put.headers().firstValue("Docker-Content-Digest").filter(d -> !d.equals(digest)).ifPresent(d -> {
            throw new RegistryException(where() + ": stored manifest " + ref + " as " + d + ", but its bytes are " + digest, 201);
        });
        log.accept("manifest " + ref + " " + digest);
        return new PushResult(ref.toString(), digest, uploaded, skipped, bytes, Duration.ofNanos(System.nanoTime() - began));
    }

    /** The manifest under a tag or digest, as the registry serves it for {@code accept}. */
    public byte[] manifest(OciReference ref, String reference, String accept) {
        String path = "/v2/" + ref.repository() + "/manifests/" + reference;
        HttpResponse<byte[]> r = sendBytes("GET", path, () -> HttpRequest.newBuilder().header("Accept", accept).GET(), ref.repository());
        expect(r, 200, "GET " + path);
        return r.body();
    }

    public byte[] blob(OciReference ref, String digest) {
        String path = "/v2/" + ref.repository() + "/blobs/" + digest;
        HttpResponse<byte[]> r = sendBytes("GET", path, () -> HttpRequest.newBuilder().GET(), ref.repository());
        expect(r, 200, "GET " + path);
        return r.body();
    }

    /** GET /v2/: the registry speaks the API and, after the challenge, takes our credentials. */
    private void checkApi(String repo) {
        HttpResponse<String> r = send("GET", "/v2/", () -> HttpRequest.newBuilder().GET(), repo);
        expect(r, 200, "GET /v2/");
    }

    private boolean exists(String repo, String digest) {
        String path = "/v2/" + repo + "/blobs/" + digest;
        HttpResponse<String> r = send("HEAD", path, () -> HttpRequest.newBuilder().method("HEAD", HttpRequest.BodyPublishers.noBody()), repo);
        if (r.statusCode() == 404) {
            return false;
        }
        expect(r, 200, "HEAD " + path);
        return true;
    }

    private void upload(String repo, Blob blob) {
        String start = "/v2/" + repo + "/blobs/uploads/";
        HttpResponse<String> post = send("POST", start, () -> HttpRequest.newBuilder()
                .POST(HttpRequest.BodyPublishers.noBody()), repo);
        expect(post, 202, "POST " + start);
        URI location = location(post, start);
        if (blob.size() > chunkSize) {
            for (long offset = 0; offset < blob.size(); offset += chunkSize) {
                long length = Math.min(chunkSize, blob.size() - offset);
                long from = offset;
                URI target = location;
                HttpResponse<String> patch = send("PATCH", target, () -> HttpRequest.newBuilder(target)
                        .header("Content-Type", "application/octet-stream")
                        .header("Content-Range", from + "-" + (from + length - 1))
                        .method("PATCH", body(blob, from, length)), repo);
                expect(patch, 202, "PATCH " + target.getPath() + " (bytes " + from + "-" + (from + length - 1) + ")");
                location = location(patch, start);
            }
            URI done = withDigest(location, blob.digest());
            HttpResponse<String> put = send("PUT", done, () -> HttpRequest.newBuilder(done)
                    .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.noBody()), repo);
            expect(put, 201, "PUT " + done.getPath());
        } else {
            URI done = withDigest(location, blob.digest());
            HttpResponse<String> put = send("PUT", done, () -> HttpRequest.newBuilder(done)
                    .header("Content-Type", "application/octet-stream").PUT(body(blob, 0, blob.size())), repo);
            expect(put, 201, "PUT " + done.getPath());
        }
    }

    private static HttpRequest.BodyPublisher body(Blob blob, long offset, long length) {
        if (blob.bytes() != null) {
            return HttpRequest.BodyPublishers.ofByteArray(blob.bytes(), (int) offset, (int) length);
        }
        Path file = blob.file();
        Supplier<InputStream> stream = () -> {
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(offset);
                return new BoundedInputStream(Channels.newInputStream(channel), length);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        };
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(stream), length);
    }

    private URI location(HttpResponse<?> r, String what) {
        String location = r.headers().firstValue("Location")
                .orElseThrow(() -> new RegistryException(where() + ": HTTP " + r.statusCode() + " on " + what + " without a Location", r.statusCode()));
        return base.resolve(location);
    }

    private static URI withDigest(URI location, String digest) {
        String s = location.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + URLEncoder.encode(digest, StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(String method, String path, Supplier<HttpRequest.Builder> request, String repo) {
        return send(method, base.resolve(path), () -> request.get().uri(base.resolve(path)), repo);
    }

    private HttpResponse<String> send(String method, URI uri, Supplier<HttpRequest.Builder> request, String repo) {
        return exchange(method, uri, request, repo, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> sendBytes(String method, String path, Supplier<HttpRequest.Builder> request, String repo) {
        URI uri = base.resolve(path);
        return exchange(method, uri, () -> request.get().uri(uri), repo, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends with the current authorization; on a 401, answers the challenge and sends once more. */
    private <T> HttpResponse<T> exchange(String method, URI uri, Supplier<HttpRequest.Builder> request, String repo,
                                         HttpResponse.BodyHandler<T> handler) {
        HttpResponse<T> r = call(method, uri, request, handler);
        if (r.statusCode() == 401) {
            authenticate(r, method, uri, repo);
            r = call(method, uri, request, handler);
        }
        return r;
    }

    private <T> HttpResponse<T> call(String method, URI uri, Supplier<HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder builder = request.get().timeout(timeout).header("User-Agent", "quantforge");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        try {
            return http.send(builder.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(where() + ": interrupted during " + method + " " + uri.getPath(), 0);
        } catch (IOException e) {
            throw new RegistryException(where() + ": " + describe(e) + " on " + method + " " + uri.getPath(), 0);
        }
    }

    private String describe(IOException e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return "connection refused (is the registry running at " + base + "?)";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within 10 s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + " s";
        }
        if (e instanceof UnknownHostException || e.getCause() instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof SSLException || e.getCause() instanceof SSLException) {
            return "TLS failed (" + e.getMessage() + "; a plain-HTTP registry needs --insecure)";
        }
        return "no answer (" + e.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }

    private void authenticate(HttpResponse<?> challenge, String method, URI uri, String repo) {
        String header = challenge.headers().firstValue("WWW-Authenticate").orElse("");
        String scheme = header.split(" ", 2)[0].toLowerCase(Locale.ROOT);
        String what = method + " " + uri.getPath();
        if (scheme.equals("basic")) {
            if (!credentials.basic()) {
                throw new RegistryException(where() + ": HTTP 401 Unauthorized on " + what + ": the registry wants a user name"
                        + " and password, none given", 401);
            }
            String basic = basicHeader();
            if (basic.equals(authorization)) {
                throw new RegistryException(where() + ": HTTP 401 Unauthorized on " + what + ": user " + credentials.username()
                        + " and the password given were refused", 401);
            }
            authorization = basic;
        } else if (scheme.equals("bearer")) {
            Map<String, String> params = new HashMap<>();
            Matcher m = PARAM.matcher(header);
            while (m.find()) {
                params.put(m.group(1), m.group(2));
            }
            String realm = params.get("realm");
            if (realm == null) {
                throw new RegistryException(where() + ": HTTP 401 Unauthorized on " + what + " with a Bearer challenge without a realm", 401);
            }
            String scope = "repository:" + repo + ":pull,push";
            StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
            if (params.containsKey("service")) {
                url.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
            }
            url.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
            String token = token(URI.create(url.toString()), what);
            String bearer = "Bearer " + token;
            if (bearer.equals(authorization)) {
                throw new RegistryException(where() + ": HTTP 401 Unauthorized on " + what + ": the token from " + realm
                        + " was refused" + (credentials.basic() ? " for user " + credentials.username() : " (no credentials given)"), 401);
            }
            authorization = bearer;
        } else {
            throw new RegistryException(where() + ": HTTP 401 Unauthorized on " + what
                    + (header.isEmpty() ? " without a challenge" : " with an unknown challenge '" + scheme + "'"), 401);
        }
    }

    private String token(URI realm, String what) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(realm).timeout(timeout).GET();
        if (credentials.basic()) {
            builder.header("Authorization", basicHeader());
        }
        HttpResponse<String> r;
        try {
            r = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(where() + ": interrupted while fetching a token from " + realm.getHost(), 0);
        } catch (IOException e) {
            throw new RegistryException(where() + ": token service " + realm.getHost() + ": " + describe(e), 0);
        }
        if (r.statusCode() != 200) {
            throw new RegistryException(where() + ": token service " + realm.getScheme() + "://" + realm.getAuthority() + realm.getPath()
                    + " answered HTTP " + r.statusCode() + " for " + what
                    + (credentials.basic() ? " as user " + credentials.username() : " (no credentials given)"),
                    r.statusCode() == 401 || r.statusCode() == 403 ? 401 : r.statusCode());
        }
        try {
            JsonNode json = JSON.readTree(r.body());
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryException(where() + ": token service " + realm.getHost() + " gave no token", 401);
            }
            return token;
        } catch (IOException e) {
            throw new RegistryException(where() + ": token service " + realm.getHost() + " answered something else than JSON", 502);
        }
    }

    private String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((credentials.username() + ":" + credentials.password())
                .getBytes(StandardCharsets.UTF_8));
    }

    private void expect(HttpResponse<?> r, int status, String what) {
        if (r.statusCode() == status || status == 200 && r.statusCode() == 200) {
            return;
        }
        String reason = switch (r.statusCode()) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "";
        };
        String who = r.statusCode() != 401 ? "" : credentials.basic() ? " (user " + credentials.username() + " was refused)"
                : credentials.token() != null ? " (the token given was refused)" : " (no credentials given)";
        throw new RegistryException(where() + ": HTTP " + r.statusCode() + (reason.isEmpty() ? "" : " " + reason) + " on " + what
                + errors(r.body()) + who, r.statusCode());
    }

    /** The distribution spec's error body, {"errors":[{"code","message"}]}, in a few words. */
    private static String errors(Object body) {
        String text = body instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : body instanceof String s ? s : "";
        try {
            JsonNode errors = JSON.readTree(text).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                JsonNode first = errors.get(0);
                return ": " + first.path("code").asText() + Optional.of(first.path("message").asText()).filter(s -> !s.isEmpty())
                        .map(s -> " (" + s + ")").orElse("");
            }
        } catch (IOException | RuntimeException e) {
            // not the spec's error body
        }
        return "";
    }

    private String where() {
        return "registry " + registry;
    }

    /** At most {@code remaining} bytes of a stream, closing it when done. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
