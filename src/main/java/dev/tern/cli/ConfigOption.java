package dev.tern.cli;

import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every command takes; without it the embedded default is used. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "TOML configuration file (default: the embedded development configuration)")
    Path file;

    /** Loads the configuration; throws {@link ConfigException} with the one-line message to print. */
    Config load() throws ConfigException {
        return file == null ? ConfigLoader.embedded() : ConfigLoader.load(file);
    }
}
