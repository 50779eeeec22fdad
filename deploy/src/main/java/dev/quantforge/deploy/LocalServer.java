package dev.quantforge.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;

/** One server of the local stack, run as its own long-lived process on loopback. */
public sealed interface LocalServer permits PostgresServer, KafkaServer, S3Server, RegistryServer {

    /** Also the name of its pid file. */
    String name();

    /** Ports it binds; all must be free before it starts. */
    List<Integer> ports();

    /** Launches the server detached from this JVM, so it outlives the command that started it. */
    ProcessHandle start() throws IOException;

    /** Returns normally only if the server answered a real request of its protocol. */
    void probe() throws Exception;

    /** How a client reaches it, in one line. */
    String endpoint();

    StopSignal stopSignal();

    Path log();

    /** Fails fast while nothing listens, so a slow protocol-level probe only runs once it can work. */
    static void requireListening(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(StackSettings.HOST, port), 1000);
        }
    }
}
