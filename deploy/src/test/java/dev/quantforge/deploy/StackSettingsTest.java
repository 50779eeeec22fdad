package dev.quantforge.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackSettingsTest {

    private static final Path DEFAULT_DIR = Path.of("/tmp/qf-stack");

    @Test
    void defaultsListenOnTheDocumentedPorts() {
        StackSettings settings = StackSettings.parse(List.of(), Map.of(), DEFAULT_DIR);

        assertEquals("jdbc:postgresql://127.0.0.1:15432/postgres", settings.jdbcUrl());
        assertEquals("127.0.0.1:19092", settings.kafkaBootstrapServers());
        assertEquals("http://127.0.0.1:18333", settings.s3Endpoint());
        assertEquals(DEFAULT_DIR, settings.dataDir());
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverDefaults() {
        StackSettings settings = StackSettings.parse(List.of("--pg-port=6000"),
                Map.of("QF_PG_PORT", "5000", "QF_S3_PORT", "5001", "QF_STACK_DIR", "/srv/stack"), DEFAULT_DIR);

        assertEquals(6000, settings.postgresPort());
        assertEquals(5001, settings.s3Port());
        assertEquals(Path.of("/srv/stack"), settings.dataDir());
    }

    @Test
    void aPortThatIsNoNumberIsNamedInTheError() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> StackSettings.parse(List.of("--kafka-port=abc"), Map.of(), DEFAULT_DIR));

        assertEquals("--kafka-port / QF_KAFKA_PORT must be a port number, not 'abc'", error.getMessage());
    }

    @Test
    void twoServersCannotShareAPort() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> StackSettings.parse(List.of("--s3-port=19092"), Map.of(), DEFAULT_DIR));

        assertEquals("stack port 19092 is given to two servers", error.getMessage());
    }
}
