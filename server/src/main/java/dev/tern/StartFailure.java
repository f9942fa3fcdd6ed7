package dev.tern;

import java.io.IOException;

/**
 * Tern cannot start because of what one configuration key names: a certificate that cannot be read, an address
 * that cannot be listened on, a data directory that cannot be used. {@code tern serve} prints it as
 * {@code FILE: KEY: REASON} and exits 2, like an error in the file itself.
 *
 * @see StartChecks
 */
public final class StartFailure extends IOException {
    private final String key;
    private final String reason;

    public StartFailure(String key, String reason, Throwable cause) {
        super(key + ": " + reason, cause);
        this.key = key;
        this.reason = reason;
    }

    /** The dotted key, such as {@code tls.certificate} or {@code listen.http}. */
    public String key() {
        return key;
    }

    /** What is wrong, on one line, without the key. */
    public String reason() {
        return reason;
    }
}
