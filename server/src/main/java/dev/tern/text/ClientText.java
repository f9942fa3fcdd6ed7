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

    /**
     * {@code s} safe to print on a terminal, nothing lost: every control character (C0 but TAB, DEL, C1: ESC
     * that starts CSI and OSC sequences, CR, backspace, the 8-bit CSI U+009B), every invisible format character
     * (bidirectional overrides, U+2028/U+2029) and every lone surrogate is written as a backslash and {@code x}
     * with two hex digits ({@code ESC} as {@code \x1b}), or {@code u} with four, and a backslash as two, so
     * that what is shown can be told apart from an escape; "" for null.
     */
    public static String forTerminal(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
                continue;
            }
            int type = Character.getType(c);
            if (c == '\\') {
                sb.append("\\\\");
            } else if ((c != '\t' && Character.isISOControl(c)) || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || Character.isSurrogate(c)) {
                sb.append(String.format(c < 0x100 ? "\\x%02x" : "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
