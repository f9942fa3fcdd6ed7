package dev.tern.pop3;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The client message of SASL PLAIN (RFC 4616): base64 of {@code authzid NUL authcid NUL passwd}, UTF-8.
 * We allow no proxy login: the authzid must be empty or the same as the authcid.
 */
final class SaslPlain {

    /** Decoded credentials; the password is a char array so the caller can wipe it. */
    record Credentials(String user, char[] password) {
    }

    private SaslPlain() {
    }

    /** The credentials in a base64 response, or null when it is not valid base64 or not a PLAIN message. */
    static Credentials decode(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
        try {
            int first = indexOf(raw, 0);
            int second = first < 0 ? -1 : indexOf(raw, first + 1);
            if (second < 0 || indexOf(raw, second + 1) >= 0) {
                return null;
            }
            String authzid = utf8(raw, 0, first);
            String authcid = utf8(raw, first + 1, second);
            char[] password = utf8Chars(raw, second + 1, raw.length);
            if (authzid == null || authcid == null || password == null || authcid.isEmpty() || password.length == 0
                    || !authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid)) {
                return null;
            }
            return new Credentials(authcid, password);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static String utf8(byte[] b, int from, int to) {
        char[] c = utf8Chars(b, from, to);
        return c == null ? null : new String(c);
    }

    private static char[] utf8Chars(byte[] b, int from, int to) {
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
}
