package dev.tern.pop3;

import dev.tern.auth.SaslMechanism;
import java.util.Arrays;

/**
 * The client message of SASL PLAIN (RFC 4616): base64 of {@code authzid NUL authcid NUL passwd}, UTF-8.
 * We allow no proxy login: the authzid must be empty or the same as the authcid. The decoding is the one
 * SMTP AUTH uses ({@link SaslMechanism}); this adds POP3's rules on top.
 */
final class SaslPlain {

    /** Decoded credentials; the password is a char array so the caller can wipe it. */
    record Credentials(String user, char[] password) {
    }

    private SaslPlain() {
    }

    /** The credentials in a base64 response, or null when it is not valid base64 or not a PLAIN message. */
    static Credentials decode(String base64) {
        byte[] raw = SaslMechanism.decode(base64);
        if (raw == null) {
            return null;
        }
        try {
            if (!(SaslMechanism.create("PLAIN").start(raw) instanceof SaslMechanism.Outcome.Credentials c)) {
                return null;
            }
            if (c.user().isEmpty() || c.password().length == 0
                    || !c.authzid().isEmpty() && !c.authzid().equalsIgnoreCase(c.user())) {
                Arrays.fill(c.password(), '\0');
                return null;
            }
            return new Credentials(c.user(), c.password());
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
