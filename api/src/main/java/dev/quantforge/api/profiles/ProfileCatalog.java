package dev.quantforge.api.profiles;

import dev.quantforge.common.profiles.HardwareProfiles;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The hardware profiles in force: the built-in ones, overridden by the configured file if any. */
public final class ProfileCatalog {

    @Produces
    @Singleton
    HardwareProfiles profiles(ProfilesConfig config) {
        HardwareProfiles builtIn = HardwareProfiles.builtIn();
        return config.file().map(builtIn::overriddenBy).orElse(builtIn);
    }
}
