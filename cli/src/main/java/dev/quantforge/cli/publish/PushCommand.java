package dev.quantforge.cli.publish;

import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.oci.OciArtifact;
import dev.quantforge.engine.oci.OciClient;
import dev.quantforge.engine.oci.OciReference;
import dev.quantforge.engine.publish.VariantArtifacts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "push", description = "Push a variant to an OCI registry as an Ollama model or a CNCF ModelPack artifact."
        + " Credentials: --username with --password-stdin, else QF_OCI_USERNAME and QF_OCI_PASSWORD, or a bearer token in QF_OCI_TOKEN.")
public final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VARIANT", description = "a variant directory (its one .gguf, README.md, LICENSE) or a GGUF file")
    Path variant;

    @Parameters(index = "1", paramLabel = "oci://HOST[:PORT]/REPO[:TAG]", description = "where to push")
    String target;

    @Option(names = "--format", defaultValue = "ollama", paramLabel = "ollama|modelpack", description = "artifact format (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--insecure", description = "plain HTTP (a registry without TLS)")
    boolean insecure;

    @Option(names = "--username", paramLabel = "USER")
    String username;

    @Option(names = "--password-stdin", description = "read the password from the first line of standard input")
    boolean passwordStdin;

    @Option(names = "--chunk-size", defaultValue = "67108864", paramLabel = "BYTES",
            description = "blobs above this go up in PATCH chunks of this size (default: ${DEFAULT-VALUE})")
    long chunkSize;

    /** The environment, replaceable in tests. */
    static Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        OciReference ref = OciReference.parse(target);
        VariantArtifacts.Format artifactFormat = VariantArtifacts.Format.parse(format);
        OciClient.Credentials credentials = credentials();
        long t0 = System.nanoTime();
        OciArtifact artifact = VariantArtifacts.artifact(variant, artifactFormat, ref);
        double prepare = (System.nanoTime() - t0) / 1e9;
        OciClient client = new OciClient(ref.registry(), credentials, insecure, chunkSize, Duration.ofMinutes(10));
        OciClient.PushResult result = client.push(ref, artifact, line -> out.println("  " + line));
        out.printf(Locale.ROOT, "pushed %s (%s) as %s: %d blobs uploaded (%d bytes), %d already there; digest %.1f s, push %.1f s%n",
                ref, artifactFormat.name().toLowerCase(Locale.ROOT), result.manifestDigest(), result.blobsUploaded(),
                result.bytesUploaded(), result.blobsSkipped(), prepare, result.elapsed().toNanos() / 1e9);
        if (artifactFormat == VariantArtifacts.Format.OLLAMA) {
            out.printf("ollama pull %s/%s:%s%s%n", ref.registry(), ref.repository(), ref.tag(), insecure ? " --insecure" : "");
        }
        return 0;
    }

    private OciClient.Credentials credentials() throws IOException {
        if (passwordStdin) {
            if (username == null) {
                throw new InvalidInputException("--password-stdin needs --username");
            }
            String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (password == null) {
                throw new InvalidInputException("--password-stdin: standard input is empty");
            }
            return new OciClient.Credentials(username, password, null);
        }
        String user = username != null ? username : environment.get("QF_OCI_USERNAME");
        String password = environment.get("QF_OCI_PASSWORD");
        if (username != null && password == null) {
            throw new InvalidInputException("--username needs --password-stdin or QF_OCI_PASSWORD");
        }
        return new OciClient.Credentials(user, password, environment.get("QF_OCI_TOKEN"));
    }
}
