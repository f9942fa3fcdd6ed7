package dev.tern.cli;

import dev.tern.StartFailure;
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

    /** Loads the configuration keeping each key's value, for {@code tern config check}. */
    ConfigLoader.Checked check() throws ConfigException {
        return ConfigLoader.check(file);
    }

    /** A start failure as a configuration error: {@code FILE: KEY: REASON}, exit 2. */
    ConfigException failure(StartFailure e) {
        return new ConfigException(file == null ? ConfigLoader.EMBEDDED_SOURCE : file.toString(), e.key(), e.reason());
    }
}
