package dev.quantforge.cli;

import dev.quantforge.engine.EngineVersion;
import picocli.CommandLine;

final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[]{"quantforge " + EngineVersion.describe()};
    }
}
