package dev.quantforge.worker.service;

import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.TaskEvent;
import dev.quantforge.common.messages.TaskMessage;
import dev.quantforge.deploy.StackSettings;
import dev.quantforge.worker.testing.TestBed;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Object storage that goes away while a task runs and comes back within the retry budget (what deploy/chaos does
 * to S3): the task waits and succeeds rather than failing. The worker talks to S3 through a port that drops every
 * connection until the outage ends, then forwards to the stack's real S3; the outage is timed from the task's
 * first call to S3.
 */
class StorageOutageTest {
    private static final Duration OUTAGE = Duration.ofSeconds(2);

    @Test
    void aTaskRidesOutAnOutageShorterThanItsRetries() throws Exception {
        try (TestBed bed = new TestBed()) {
            String source = bed.uploadDir(WorkerTasksTest.STORIES, bed.run + "/models/stories260K");
            int port = freePort();
            // the default number of attempts (10) with the test bed's shorter backoff, 0.1 s doubling up to 1 s: 6.5 s in
            // all, longer than the outage (the former default of 4 attempts gave up after 0.7 s and failed the task)
            bed.startWorker("outage", Map.of("qf.s3.endpoint", "http://" + StackSettings.HOST + ":" + port,
                    "qf.retry.max-backoff", "PT1S"));
            TaskMessage task = bed.task(UUID.randomUUID(), "stories260K", source, SourceFormat.HF, Recipe.gguf("Q8_0"));
            URI s3 = URI.create(bed.stack.s3Endpoint());
            try (Forwarder storage = new Forwarder(port, s3.getHost(), s3.getPort())) {
                bed.publish(task);
                assertTrue(storage.firstConnection.await(WorkerTasksTest.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                        "the worker did not call S3 within " + WorkerTasksTest.TIMEOUT);
                Thread.sleep(OUTAGE.toMillis());
                storage.forwarding = true;
                List<TaskEvent> events = bed.awaitEnd(task.taskId(), WorkerTasksTest.TIMEOUT);
                TaskEvent end = WorkerTasksTest.last(events);
                assertEquals(TaskEvent.Type.SUCCEEDED, end.type(), end.reason());
                assertTrue(bed.exists(end.result().manifestUri()), "the manifest is in S3");
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(StackSettings.HOST, 0));
            return socket.getLocalPort();
        }
    }

    /**
     * Drops every connection on a local port (the outage) until {@link #forwarding} is set, then forwards each to
     * another address, byte for byte, until closed.
     */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;
        final CountDownLatch firstConnection = new CountDownLatch(1);
        volatile boolean forwarding;

        Forwarder(int port, String host, int targetPort) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(StackSettings.HOST, port));
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        firstConnection.countDown();
                        if (!forwarding) {
                            closeQuietly(client);
                            continue;
                        }
                        Socket upstream = new Socket(host, targetPort);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "s3-forwarder");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // one side closed; closing both ends the other pump too
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "s3-forwarder-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
