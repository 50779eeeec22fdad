package dev.quantforge.engine.hf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.engine.testing.FuzzInputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A {@code config.json} of any bytes gives the hyperparameters a conversion plans with, or one line saying why not. */
class HfConfigFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void read(byte[] input) throws IOException {
        Path dir = checkpoint(input);
        FuzzInputs.typedErrorOnly(() -> hyperparameters(dir));
    }

    @Test
    void theSeedsAreValidConfigs() throws IOException {
        for (Path seed : FuzzInputs.seeds(getClass(), "read")) {
            hyperparameters(checkpoint(Files.readAllBytes(seed)));
        }
    }

    private static Path checkpoint(byte[] input) throws IOException {
        Path dir = FuzzInputs.directory("config");
        Files.write(dir.resolve(HfConfig.FILE), input);
        return dir;
    }

    private static HfHyperparameters hyperparameters(Path dir) {
        HfConfig config = HfConfig.read(dir);
        String name = config.architecture();
        HfArchitecture architecture = HfArchitecture.byHfName(name).orElseThrow(() ->
                new InvalidInputException(config.file() + ": unsupported architecture " + name));
        config.bool("tie_word_embeddings", false);
        return HfHyperparameters.from(config, architecture);
    }
}
