package dev.tern.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text that came from a client: decoded strictly, and made safe before it is echoed in a reply or logged. */
public final class ClientText {
    private ClientText() {
    }

    /** Octets {@code from} to {@code to} of {@code b} as strict UTF-8 (no malformed or unmappable input), or null. */
    public static String utf8(byte[] b, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * At most {@code max} characters of {@code s} with every control character, DEL, every character of
     * {@code replaced} and (when {@code asciiOnly}) everything beyond ASCII replaced by '?'; "" for null.
     */
    public static String printable(String s, int max, boolean asciiOnly, String replaced) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            boolean ok = c >= 0x20 && c != 0x7F && (!asciiOnly || c < 0x7F) && replaced.indexOf(c) < 0;
            sb.append(ok ? c : '?');
        }
        return sb.toString();
    }
}
