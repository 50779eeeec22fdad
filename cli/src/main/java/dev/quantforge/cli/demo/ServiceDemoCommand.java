package dev.quantforge.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.cli.Home;
import dev.quantforge.common.InvalidInputException;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.UploadObjectArgs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The service's main job as a user meets it, against a running API and worker: upload the
 * bundled model to S3, submit one job for three hardware profiles, follow its progress, and show
 * the variants. {@code ./quantforge demo} starts the stack, the API and a worker, then runs this.
 */
@Command(name = "demo-service", description = "Submit the bundled model to a running quantforge service for three profiles and follow the job.")
public final class ServiceDemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--api", defaultValue = "http://127.0.0.1:8080", description = "API base URL (default: ${DEFAULT-VALUE})")
    String api;

    @Option(names = "--api-key", paramLabel = "KEY", description = "API key (default: $QF_API_KEY)")
    String apiKey;

    @Option(names = "--s3-endpoint", defaultValue = "http://127.0.0.1:18333", description = "S3 endpoint (default: ${DEFAULT-VALUE})")
    String s3Endpoint;

    @Option(names = "--s3-access-key", defaultValue = "quantforge")
    String accessKey;

    @Option(names = "--s3-secret-key", defaultValue = "quantforge-local-secret")
    String secretKey;

    @Option(names = "--model", paramLabel = "HF_DIR", description = "Hugging Face checkpoint to submit (default: the bundled stories260K)")
    Path modelDir;

    @Option(names = "--bucket", defaultValue = "quantforge-models", description = "bucket the model is uploaded to (default: ${DEFAULT-VALUE})")
    String bucket;

    @Option(names = "--profiles", split = ",", defaultValue = "cpu-x86-avx2,arm-mobile,cpu-server-quality",
            description = "hardware profiles (default: ${DEFAULT-VALUE})")
    List<String> profiles;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "how long to wait for the job (default: ${DEFAULT-VALUE})")
    Duration timeout;

    // made when the command runs: picocli instantiates every subcommand at start-up, even for --version
    private ObjectMapper json;
    private HttpClient http;

    @Override
    public Integer call() throws Exception {
        json = new ObjectMapper();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        PrintWriter out = spec.commandLine().getOut();
        Path model = modelDir != null ? modelDir : Home.path("models/stories260K-hf");
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            throw new InvalidInputException(model + ": not a Hugging Face checkpoint (no config.json)");
        }
        String prefix = modelDir != null ? model.toAbsolutePath().normalize().getFileName().toString() : "stories260K";
        long started = System.nanoTime();
        int files = upload(model, prefix);
        out.printf("uploaded %s (%d files) to s3://%s/%s/%n", model.getFileName(), files, bucket, prefix);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", Map.of("uri", "s3://" + bucket + "/" + prefix, "format", "hf"));
        body.put("targets", profiles);
        body.put("labels", Map.of("origin", "demo"));
        HttpResponse<String> submitted = http.send(authorized(URI.create(api + "/api/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() / 100 != 2) {
            throw new InvalidInputException("the API refused the job (" + submitted.statusCode() + "): " + submitted.body());
        }
        JsonNode job = json.readTree(submitted.body());
        String id = job.get("id").asText();
        out.printf("submitted job %s for %s%n", id, profiles);
        job = follow(id, out);
        out.println();
        out.println(report(id));
        locations(job, out);
        out.printf(Locale.ROOT, "%njob %s %s in %.1f s%n", id, job.get("state").asText(), (System.nanoTime() - started) / 1e9);
        return job.get("state").asText().equals("SUCCEEDED") ? 0 : 1;
    }

    /** A request with the API key, if there is one (an API with authentication off needs none). */
    private HttpRequest.Builder authorized(URI uri) {
        String key = apiKey != null && !apiKey.isBlank() ? apiKey : System.getenv("QF_API_KEY");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        return key == null || key.isBlank() ? request : request.header("Authorization", "Bearer " + key.strip());
    }

    private int upload(Path model, String prefix) throws Exception {
        MinioClient s3 = MinioClient.builder().endpoint(s3Endpoint).credentials(accessKey, secretKey).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(model)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            s3.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(prefix + "/" + f.getFileName())
                    .filename(f.toString()).build());
        }
        return files.size();
    }

    /** Polls the job twice a second, printing each task's state and progress when they change. */
    private JsonNode follow(String id, PrintWriter out) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            HttpResponse<String> response = http.send(authorized(URI.create(api + "/api/v1/jobs/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode job = json.readTree(response.body());
            StringBuilder line = new StringBuilder(job.get("state").asText());
            for (JsonNode task : job.get("tasks")) {
                line.append(String.format(Locale.ROOT, "  %s %s %d%%", task.path("profile").asText(task.get("variant").asText()),
                        task.get("state").asText(), task.get("progress").asInt()));
            }
            if (!line.toString().equals(last)) {
                out.println(line);
                out.flush();
                last = line.toString();
            }
            String state = job.get("state").asText();
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new InvalidInputException("job " + id + " did not finish within " + timeout + "; is a worker running?");
            }
            Thread.sleep(500);
        }
    }

    /** The job's comparison table as the API renders it in markdown. */
    private String report(String id) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(authorized(URI.create(api + "/api/v1/jobs/" + id + "/report"))
                .header("Accept", "text/markdown").GET().build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? response.body() : "(no report: HTTP " + response.statusCode() + ")";
    }

    /** Where each variant's manifest is (under rejected/ for a variant that failed its gates), or why there is none. */
    private static void locations(JsonNode job, PrintWriter out) {
        for (JsonNode task : job.get("tasks")) {
            JsonNode result = task.get("result");
            String where = result != null && !result.isNull() ? result.get("manifestUri").asText()
                    : task.path("failureReason").asText("");
            out.printf(Locale.ROOT, "%-20s %-10s %s%n", task.path("profile").asText(task.get("variant").asText()),
                    task.get("state").asText(), where);
        }
    }
}
