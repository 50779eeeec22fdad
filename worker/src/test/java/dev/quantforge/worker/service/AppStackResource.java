package dev.quantforge.worker.service;

import dev.quantforge.worker.testing.TestBed;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * Points the Quarkus application under test at the real stack, on topics of a test bed of its own. The
 * test bed's name goes through a system property: the test class and this resource may live in different
 * class loaders.
 */
public final class AppStackResource implements QuarkusTestResourceLifecycleManager {
    static final String RUN_PROPERTY = "quantforge.test.app-run";

    private TestBed bed;

    @Override
    public Map<String, String> start() {
        bed = new TestBed();
        System.setProperty(RUN_PROPERTY, bed.run);
        Map<String, String> config = new HashMap<>(bed.workerProperties("app", Map.of()));
        try {
            config.put("qf.worker.scratch-dir", Files.createTempDirectory("qf-worker-app").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    @Override
    public void stop() {
        if (bed != null) {
            bed.close();
        }
    }
}
