package dev.tern.auth;

import dev.tern.text.ClientText;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * One server-side SASL exchange (RFC 4422) for the mechanisms Tern offers: PLAIN (RFC 4616) and LOGIN
 * (draft-murchison-sasl-login). Pure: decoded client responses in, {@link Outcome}s out. The base64 framing,
 * the "*" that cancels and the "=" that stands for an empty initial response are the same in SMTP AUTH
 * (RFC 4954) and POP3 AUTH (RFC 5034), so {@link #decode} lives here too. Checking the password is the caller's
 * business. A new instance serves one exchange.
 */
public abstract sealed class SaslMechanism {
    /** The mechanisms offered, in the order they are advertised. */
    public static final String OFFERED = "PLAIN LOGIN";

    /** What the exchange needs next. */
    public sealed interface Outcome {
        /** Send this challenge (decoded; the caller base64-encodes it) and feed the client's answer to {@link #next}. */
        record Challenge(byte[] data) implements Outcome {
        }

        /** The client has said who it is: verify it. {@code authzid} is empty when the client sent none. */
        record Credentials(String authzid, String user, char[] password) implements Outcome {
        }

        /** The client's message does not follow the mechanism's syntax. */
        record Malformed(String why) implements Outcome {
        }
    }

    /** A mechanism by its (case-insensitive) name, or null when Tern does not offer it. */
    public static SaslMechanism create(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> new Plain();
            case "LOGIN" -> new Login();
            default -> null;
        };
    }

    public abstract String name();

    /** Starts the exchange; {@code initialResponse} is null when the client sent none (and empty for "="). */
    public abstract Outcome start(byte[] initialResponse);

    /** The client's answer to the last challenge. */
    public abstract Outcome next(byte[] response);

    /**
     * The bytes of a base64 client response, or null when it is not valid base64 (RFC 4648, padding
     * required, no line breaks). The caller handles "*" (cancel) before calling this.
     */
    public static byte[] decode(String response) {
        String s = response.strip();
        if (s.length() % 4 != 0) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String encode(byte[] data) {
        return Base64.getEncoder().encodeToString(data);
    }

    /** Strict UTF-8 into a char array (a password never becomes a String), or null. */
    static char[] utf8Chars(byte[] b, int from, int to) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** RFC 4616: {@code [authzid] NUL authcid NUL passwd}, UTF-8. */
    static final class Plain extends SaslMechanism {
        private boolean started;

        @Override
        public String name() {
            return "PLAIN";
        }

        @Override
        public Outcome start(byte[] initialResponse) {
            started = true;
            return initialResponse == null ? new Outcome.Challenge(new byte[0]) : next(initialResponse);
        }

        @Override
        public Outcome next(byte[] m) {
            if (!started) {
                throw new IllegalStateException("start first");
            }
            int first = -1;
            int second = -1;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    if (first < 0) {
                        first = i;
                    } else if (second < 0) {
                        second = i;
                    } else {
                        return new Outcome.Malformed("more than two NUL separators");
                    }
                }
            }
            if (second < 0) {
                return new Outcome.Malformed("expected authzid NUL authcid NUL password");
            }
            String authzid = ClientText.utf8(m, 0, first);
            String user = ClientText.utf8(m, first + 1, second);
            char[] password = utf8Chars(m, second + 1, m.length);
            if (authzid == null || user == null || password == null) {
                return new Outcome.Malformed("not valid UTF-8");
            }
            return new Outcome.Credentials(authzid, user, password);
        }
    }

    /** LOGIN: the user name, then the password, each asked for by a challenge (or the name as initial response). */
    static final class Login extends SaslMechanism {
        static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);
        static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);
        private String user;
        private boolean started;

        @Override
        public String name() {
            return "LOGIN";
        }

        @Override
        public Outcome start(byte[] initialResponse) {
            started = true;
            return initialResponse == null ? new Outcome.Challenge(USERNAME) : next(initialResponse);
        }

        @Override
        public Outcome next(byte[] response) {
            if (!started) {
                throw new IllegalStateException("start first");
            }
            if (user == null) {
                user = ClientText.utf8(response, 0, response.length);
                if (user == null) {
                    return new Outcome.Malformed("user name is not valid UTF-8");
                }
                return new Outcome.Challenge(PASSWORD);
            }
            char[] password = utf8Chars(response, 0, response.length);
            if (password == null) {
                return new Outcome.Malformed("password is not valid UTF-8");
            }
            return new Outcome.Credentials("", user, password);
        }
    }
}
