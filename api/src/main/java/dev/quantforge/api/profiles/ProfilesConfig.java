package dev.quantforge.api.profiles;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

@ConfigMapping(prefix = "qf.profiles")
public interface ProfilesConfig {

    /** A YAML file whose profiles are added to the built-in ones, replacing those of the same name. */
    Optional<Path> file();
}
