package dev.tern.config;

/**
 * A configuration that cannot be used. The message is one line naming the file, the key and what is wrong:
 * {@code /etc/tern.toml: limits.max_recipients: must be a whole number from 1 to 100000, not "many"}.
 */
public final class ConfigException extends Exception {
    private final String file;
    private final String key;
    private final String reason;

    public ConfigException(String file, String key, String reason) {
        super(file + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + reason);
        this.file = file;
        this.key = key;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** Dotted key such as {@code limits.max_recipients}; empty when the whole file is at fault. */
    public String key() {
        return key;
    }

    public String reason() {
        return reason;
    }
}
