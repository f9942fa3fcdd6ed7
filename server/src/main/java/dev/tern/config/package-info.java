/**
 * The configuration: one TOML file read into immutable records ({@link dev.tern.config.Config}), every key
 * declared once in {@link dev.tern.config.Keys} (name, type with its range, default, meaning), every error one
 * line {@code FILE: KEY: reason} ({@link dev.tern.config.ConfigException}). {@link dev.tern.config.ConfigLoader}
 * reads the file through that table; {@link dev.tern.config.Types} reads and checks each kind of value,
 * {@link dev.tern.config.Syntax} and {@link dev.tern.config.IpLiteral} parse the value syntaxes.
 *
 * <p>To add a key: one entry in {@code Keys}, its use in {@code ConfigLoader.build} (or the {@code Config}
 * record that carries it), and its row in docs/configuration.md, which a test compares with the table.
 *
 * <p>Never does: I/O beyond reading the file (and asking the JVM for the machine's name when {@code hostname}
 * is left out); whether the files and addresses a configuration names can be used is checked at start
 * ({@code dev.tern.StartChecks}).
 */
package dev.tern.config;
