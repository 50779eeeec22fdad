package dev.quantforge.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An S3-compatible server: S3Proxy over its filesystem backend, one directory per bucket under the
 * data directory. It runs from its self-contained jar, whose bundled libraries (Jackson, Jetty)
 * would clash with Kafka's on a shared classpath.
 */
final class S3Server implements LocalServer {

    /** S3Proxy answers in this region; clients must sign for it. */
    static final String REGION = "us-east-1";

    private final StackSettings settings;
    private final Path jar;

    S3Server(StackSettings settings, Path distribution) {
        this.settings = settings;
        this.jar = distribution.resolve("s3proxy").resolve("s3proxy.jar");
    }

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public List<Integer> ports() {
        return List.of(settings.s3Port());
    }

    @Override
    public ProcessHandle start() throws IOException {
        Path home = settings.dataDir().resolve("s3");
        Path blobs = home.resolve("blobs");
        Files.createDirectories(blobs);
        Path config = home.resolve("s3proxy.properties");
        Files.writeString(config, String.join("\n",
                "# Written by dev.quantforge.deploy.LocalStack on every start; edits are lost.",
                "s3proxy.endpoint=" + settings.s3Endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + settings.s3AccessKey(),
                "s3proxy.credential=" + settings.s3SecretKey(),
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + blobs,
                // The filesystem backend needs no credentials, but S3Proxy insists on having some.
                "jclouds.identity=" + settings.s3AccessKey(),
                "jclouds.credential=" + settings.s3SecretKey(),
                ""));
        // Quick-start JVM settings, as for Kafka.
        return DetachedProcess.start(List.of(DetachedProcess.java(), "-Xms32m", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", jar.toString(), "--properties", config.toString()), log());
    }

    /**
     * An unsigned request must be refused the S3 way, with an AccessDenied error document: that
     * tells S3Proxy apart from any other HTTP server that might hold the port.
     */
    @Override
    public void probe() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.s3Endpoint() + "/"))
                .timeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 403 || !response.body().contains("<Code>AccessDenied</Code>")) {
            throw new IOException("not an S3 answer: HTTP " + response.statusCode());
        }
    }

    @Override
    public String endpoint() {
        return settings.s3Endpoint() + "  (access key " + settings.s3AccessKey() + ", secret key "
                + settings.s3SecretKey() + ", region " + REGION + ", path-style)";
    }

    @Override
    public StopSignal stopSignal() {
        return StopSignal.TERM;
    }

    @Override
    public Path log() {
        return settings.logDir().resolve("s3proxy.log");
    }
}
