package dev.tern.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One configuration key, declared once in {@link Keys}: its dotted name, its type (which reads and checks a
 * value and knows its range), its default as written in docs/configuration.md, and a one-line meaning.
 * The loader, {@code tern config check} and the test that compares the table with the docs all read these.
 *
 * @param name        dotted name such as {@code limits.max_recipients}; a top-level key has no dot
 * @param type        reads a value from the file and checks it
 * @param defaultText the default as the docs write it: a TOML value ({@code "5m"}, {@code 100}) or, for a
 *                    default computed from other keys, a few words ({@code this machine's name})
 * @param meaning     one line for {@code tern config check} and the docs
 * @param fallback    the value when the key is left out
 */
public record Key<T>(String name, Type<T> type, String defaultText, String meaning, Fallback<T> fallback) {

    /** The table the key lives in ({@code limits}), or "" for a top-level key. */
    public String table() {
        int dot = name.indexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }

    /** The key's name inside its table ({@code max_recipients}). */
    public String leaf() {
        return name.substring(name.indexOf('.') + 1);
    }

    /** Reads one value from the tree; {@code values} gives the file name, its directory and earlier keys. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(JsonNode node, String key, Values values) throws ConfigException;
    }

    /** The value of a key left out, possibly computed from keys declared before it. */
    @FunctionalInterface
    public interface Fallback<T> {
        T of(Values values) throws ConfigException;
    }

    /**
     * What a value is.
     *
     * @param kind   "duration", "whole number", "list of networks"… as the docs say it
     * @param range  the allowed values in words ("1 to 100000", "\"1s\" to \"24h\""), or "" when any of its kind
     * @param reader reads and checks a value, failing with the one-line reason
     */
    public record Type<T>(String kind, String range, Reader<T> reader) {
    }
}
