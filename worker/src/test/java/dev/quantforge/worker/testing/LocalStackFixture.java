package dev.quantforge.worker.testing;

import dev.quantforge.deploy.StackSettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Kafka and S3 servers for the tests: the ones already running on the stack's ports (started by
 * {@code deploy/local up} or another test run), else a stack started here with deploy's LocalStack in a JVM
 * of its own and stopped when the test JVM exits.
 */
public final class LocalStackFixture {
    private static StackSettings settings;

    private LocalStackFixture() {
    }

    public static synchronized StackSettings settings() {
        if (settings == null) {
            settings = start();
        }
        return settings;
    }

    private static StackSettings start() {
        Path root = Path.of(System.getProperty("quantforge.root", "..")).toAbsolutePath().normalize();
        Path dataDir = Path.of(System.getProperty("quantforge.stack.dir", root.resolve(".quantforge/stack").toString()));
        StackSettings s = StackSettings.parse(List.of(), System.getenv(), dataDir);
        if (listening(s.kafkaPort()) && listening(s.s3Port())) {
            return s;
        }
        run(root, s, "up");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> run(root, s, "down")));
        return s;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(StackSettings.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(Path root, StackSettings s, String command) {
        Path target = root.resolve("deploy/target");
        if (!Files.isDirectory(target.resolve("stack/kafka")) || !Files.isDirectory(target.resolve("classes/dev/quantforge/deploy"))) {
            throw new IllegalStateException("the local stack is not built: run ./mvnw -pl deploy process-classes (or build with -am)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = String.join(":", target.resolve("classes").toString(), target.resolve("stack/postgres/*").toString(),
                target.resolve("stack/kafka/*").toString());
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath,
                "dev.quantforge.deploy.LocalStack", command, "--dir=" + s.dataDir())
                .redirectErrorStream(true);
        try {
            Process process = builder.start();
            // through System.out, which the test runner captures (a child writing to the inherited stream garbles it)
            Thread echo = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))
                    .lines().forEach(line -> System.out.println("[stack " + command + "] " + line)), "stack-" + command);
            echo.setDaemon(true);
            echo.start();
            if (!process.waitFor(240, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("stack " + command + " did not finish in 240 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("stack " + command + " failed (exit " + process.exitValue() + "); see "
                        + s.logDir());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run stack " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during stack " + command, e);
        }
    }
}
